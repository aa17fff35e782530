import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { reservationsAPI, errorMessage } from '../services/api';

const STATUS_LABEL = { pending: '결제 대기', confirmed: '예매 확정', cancelled: '취소됨' };

export default function MyReservations() {
  const [reservations, setReservations] = useState([]);
  const [error, setError] = useState('');

  const load = () => reservationsAPI.mine()
    .then(({ data }) => setReservations(data.reservations))
    .catch((err) => setError(errorMessage(err, '예매 내역을 불러오지 못했습니다')));

  useEffect(() => {
    load();
  }, []);

  const cancel = async (id) => {
    if (!window.confirm('예매를 취소할까요?')) return;
    try {
      await reservationsAPI.cancel(id);
      load();
    } catch (err) {
      setError(errorMessage(err, '취소하지 못했습니다'));
    }
  };

  return (
    <section>
      <h1>예매 내역</h1>
      {error && <p className="error">{error}</p>}
      {reservations.map((r) => (
        <div className="card" key={r.id}>
          <h3>{r.event_title}</h3>
          <p>{new Date(r.event_date).toLocaleString('ko-KR')} · {r.venue}</p>
          <p>
            {r.seats.map((s) => `${s.section}구역 ${s.row}열 ${s.number}번`).join(', ')} · {r.total_amount.toLocaleString()}원
          </p>
          <p>{STATUS_LABEL[r.status] || r.status}</p>
          {r.status === 'pending' && <Link to={`/payment/${r.id}`}>결제하기</Link>}{' '}
          {r.status !== 'cancelled' && <button type="button" onClick={() => cancel(r.id)}>취소</button>}
        </div>
      ))}
    </section>
  );
}
