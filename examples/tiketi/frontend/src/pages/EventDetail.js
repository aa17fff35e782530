import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { eventsAPI, queueAPI, reservationsAPI, errorMessage } from '../services/api';

const MAX_SEATS = 4;

export default function EventDetail({ user }) {
  const { id } = useParams();
  const navigate = useNavigate();
  const [event, setEvent] = useState(null);
  const [seats, setSeats] = useState([]);
  const [queue, setQueue] = useState(null);
  const [selected, setSelected] = useState([]);
  const [error, setError] = useState('');

  useEffect(() => {
    eventsAPI.get(id)
      .then(({ data }) => setEvent(data.event))
      .catch((err) => setError(errorMessage(err, '공연 정보를 불러오지 못했습니다')));
  }, [id]);

  // Waiting queue: join once, then poll until we may enter the seat map.
  useEffect(() => {
    if (!user || !event || event.status !== 'on_sale') return undefined;
    let timer;
    const poll = () => queueAPI.status(id).then(({ data }) => {
      setQueue(data);
      if (!data.canEnter) timer = setTimeout(poll, 3000);
    });
    queueAPI.join(id)
      .then(({ data }) => {
        setQueue(data);
        if (!data.canEnter) timer = setTimeout(poll, 3000);
      })
      .catch((err) => setError(errorMessage(err, '대기열에 들어가지 못했습니다')));
    return () => clearTimeout(timer);
  }, [id, user, event]);

  useEffect(() => {
    if (queue?.canEnter) {
      eventsAPI.seats(id).then(({ data }) => setSeats(data.seats));
    }
  }, [id, queue?.canEnter]);

  const toggleSeat = (seatId) => {
    setSelected((current) => {
      if (current.includes(seatId)) return current.filter((s) => s !== seatId);
      if (current.length >= MAX_SEATS) return current;
      return [...current, seatId];
    });
  };

  const reserve = async () => {
    try {
      const { data } = await reservationsAPI.create(Number(id), selected);
      navigate(`/payment/${data.reservation.id}`);
    } catch (err) {
      setError(errorMessage(err, '예매에 실패했습니다'));
    }
  };

  if (error) return <p className="error">{error}</p>;
  if (!event) return <p>불러오는 중...</p>;

  const total = seats.filter((s) => selected.includes(s.id)).reduce((sum, s) => sum + s.price, 0);

  return (
    <section>
      <div className="card">
        <h1>{event.title}</h1>
        <p>{event.artist} · {event.venue}</p>
        <p>{new Date(event.event_date).toLocaleString('ko-KR')} · 잔여석 {event.available_seats}</p>
        {event.description && <p>{event.description}</p>}
      </div>

      {!user && <p>예매하려면 로그인하세요.</p>}
      {queue && !queue.canEnter && (
        <div className="card">대기 순번 {queue.position} / {queue.queueSize} — 잠시만 기다려 주세요.</div>
      )}

      {queue?.canEnter && (
        <div className="card">
          <h2>좌석 선택 (최대 {MAX_SEATS}석)</h2>
          <div>
            {seats.map((seat) => (
              <button
                key={seat.id}
                type="button"
                title={`${seat.section}구역 ${seat.row_label}열 ${seat.seat_number}번 · ${seat.price.toLocaleString()}원`}
                className={`seat${selected.includes(seat.id) ? ' selected' : ''}`}
                disabled={seat.status !== 'available'}
                onClick={() => toggleSeat(seat.id)}
              >
                {seat.seat_number}
              </button>
            ))}
          </div>
          <p>선택 {selected.length}석 · 합계 {total.toLocaleString()}원</p>
          <button type="button" disabled={selected.length === 0} onClick={reserve}>예매하기</button>
        </div>
      )}
    </section>
  );
}
