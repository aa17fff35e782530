import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { eventsAPI, errorMessage } from '../services/api';

const STATUS_LABEL = {
  upcoming: '오픈 예정',
  on_sale: '예매 중',
  sold_out: '매진',
  closed: '판매 종료',
  cancelled: '취소됨',
};

export default function EventList() {
  const [events, setEvents] = useState([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');

  useEffect(() => {
    eventsAPI.list()
      .then(({ data }) => setEvents(data.events))
      .catch((err) => setError(errorMessage(err, '공연 목록을 불러오지 못했습니다')))
      .finally(() => setLoading(false));
  }, []);

  if (loading) return <p>불러오는 중...</p>;
  if (error) return <p className="error">{error}</p>;

  return (
    <section>
      <h1>공연 목록</h1>
      {events.length === 0 && <p>등록된 공연이 없습니다.</p>}
      {events.map((event) => (
        <div className="card" key={event.id}>
          <h3>
            <Link to={`/events/${event.id}`}>{event.title}</Link>
          </h3>
          <p>{event.artist} · {event.venue}</p>
          <p>{new Date(event.event_date).toLocaleString('ko-KR')} · {STATUS_LABEL[event.status] || event.status}</p>
        </div>
      ))}
    </section>
  );
}
