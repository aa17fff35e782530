import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { newsAPI, errorMessage } from '../services/api';

export default function NewsList() {
  const [news, setNews] = useState([]);
  const [page, setPage] = useState(1);
  const [error, setError] = useState('');

  useEffect(() => {
    newsAPI.list(page)
      .then(({ data }) => setNews(data.news))
      .catch((err) => setError(errorMessage(err, '뉴스를 불러오지 못했습니다')));
  }, [page]);

  return (
    <section>
      <h1>뉴스</h1>
      {error && <p className="error">{error}</p>}
      {news.map((item) => (
        <div className="card" key={item.id}>
          <h3><Link to={`/news/${item.id}`}>{item.title}</Link></h3>
          {item.summary && <p>{item.summary}</p>}
          <small>{item.author} · {new Date(item.created_at).toLocaleDateString('ko-KR')}</small>
        </div>
      ))}
      <button type="button" disabled={page === 1} onClick={() => setPage(page - 1)}>이전</button>{' '}
      <button type="button" disabled={news.length < 10} onClick={() => setPage(page + 1)}>다음</button>
    </section>
  );
}
