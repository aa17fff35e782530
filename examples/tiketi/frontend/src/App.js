import { useState } from 'react';
import { Routes, Route, Link } from 'react-router-dom';
import Header from './components/Header';
import EventList from './pages/EventList';
import EventDetail from './pages/EventDetail';
import Login from './pages/Login';
import MyReservations from './pages/MyReservations';
import PaymentPage from './pages/PaymentPage';
import PaymentSuccess, { PaymentFail } from './pages/PaymentSuccess';
import NewsList from './pages/NewsList';
import NewsDetail from './pages/NewsDetail';
import AdminStats from './pages/AdminStats';

function loadUser() {
  try {
    return JSON.parse(localStorage.getItem('user'));
  } catch {
    return null;
  }
}

function NotFound() {
  return (
    <div className="card">
      <h2>페이지를 찾을 수 없습니다</h2>
      <Link to="/">공연 목록으로</Link>
    </div>
  );
}

export default function App() {
  const [user, setUser] = useState(loadUser);

  const handleLogin = ({ token, user: loggedIn }) => {
    localStorage.setItem('token', token);
    localStorage.setItem('user', JSON.stringify(loggedIn));
    setUser(loggedIn);
  };

  const handleLogout = () => {
    localStorage.removeItem('token');
    localStorage.removeItem('user');
    setUser(null);
  };

  return (
    <>
      <Header user={user} onLogout={handleLogout} />
      <main>
        <Routes>
          <Route path="/" element={<EventList />} />
          <Route path="/events/:id" element={<EventDetail user={user} />} />
          <Route path="/login" element={<Login onLogin={handleLogin} />} />
          <Route path="/my-reservations" element={<MyReservations />} />
          <Route path="/payment/:reservationId" element={<PaymentPage />} />
          <Route path="/payment/success" element={<PaymentSuccess />} />
          <Route path="/payment/fail" element={<PaymentFail />} />
          <Route path="/news" element={<NewsList />} />
          <Route path="/news/:id" element={<NewsDetail />} />
          <Route path="/admin/stats" element={<AdminStats user={user} />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}
