import { useEffect, useState } from 'react';
import { Navigate } from 'react-router-dom';
import api, { errorMessage } from '../services/api';

const won = (value) => `${Number(value || 0).toLocaleString('ko-KR')}원`;

export default function AdminStats({ user }) {
  const [overview, setOverview] = useState(null);
  const [daily, setDaily] = useState([]);
  const [recent, setRecent] = useState([]);
  const [error, setError] = useState('');

  useEffect(() => {
    if (user?.role !== 'admin') return;
    Promise.all([
      api.get('/stats/overview'),
      api.get('/stats/daily', { params: { days: 7 } }),
      api.get('/admin/reservations', { params: { limit: 10 } }),
    ])
      .then(([overviewRes, dailyRes, recentRes]) => {
        setOverview(overviewRes.data.overview);
        setDaily(dailyRes.data.daily);
        setRecent(recentRes.data.reservations);
      })
      .catch((err) => setError(errorMessage(err, '통계를 불러오지 못했습니다')));
  }, [user]);

  if (user?.role !== 'admin') return <Navigate to="/login" replace />;
  if (error) return <p className="error">{error}</p>;
  if (!overview) return <p>불러오는 중...</p>;

  const maxRevenue = Math.max(1, ...daily.map((d) => d.revenue));

  return (
    <section>
      <h1>관리자 통계</h1>
      <div className="card">
        <p>회원 {overview.total_users}명 · 공연 {overview.total_events}개 (판매 중 {overview.events_on_sale})</p>
        <p>확정 예매 {overview.confirmed_reservations}건 · 판매 좌석 {overview.sold_seats}석</p>
        <p>누적 매출 {won(overview.total_revenue)} · 오늘 매출 {won(overview.today_revenue)}</p>
      </div>
      <div className="card">
        <h2>최근 7일 매출</h2>
        {daily.map((d) => (
          <div key={d.date} style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
            <span style={{ width: 48 }}>{d.label}</span>
            <div style={{ background: '#2b2d42', height: 14, width: `${(d.revenue / maxRevenue) * 70}%` }} />
            <span>{won(d.revenue)} ({d.reservations}건)</span>
          </div>
        ))}
      </div>
      <div className="card">
        <h2>최근 예매</h2>
        <ul>
          {recent.map((r) => (
            <li key={r.id}>{r.event_title} · {won(r.total_amount)} · {r.status}</li>
          ))}
        </ul>
      </div>
    </section>
  );
}
