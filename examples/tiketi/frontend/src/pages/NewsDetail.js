import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import api, { errorMessage } from '../services/api';

export default function NewsDetail() {
  const { id } = useParams();
  const [news, setNews] = useState(null);
  const [error, setError] = useState('');

  useEffect(() => {
    api.get(`/news/${id}`)
      .then(({ data }) => setNews(data.news))
      .catch((err) => setError(errorMessage(err, '뉴스를 찾을 수 없습니다')));
  }, [id]);

  if (error) return <p className="error">{error}</p>;
  if (!news) return <p>불러오는 중...</p>;

  return (
    <article className="card">
      <h1>{news.title}</h1>
      <small>{news.author} · {new Date(news.created_at).toLocaleString('ko-KR')} · 조회 {news.views}</small>
      {news.image_url && <img src={news.image_url} alt="" style={{ maxWidth: '100%', marginTop: 12 }} />}
      <p style={{ whiteSpace: 'pre-wrap' }}>{news.content}</p>
      <Link to="/news">목록으로</Link>
    </article>
  );
}
