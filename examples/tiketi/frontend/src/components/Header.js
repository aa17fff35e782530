import { Link, useNavigate } from 'react-router-dom';

export default function Header({ user, onLogout }) {
  const navigate = useNavigate();

  const logout = () => {
    onLogout();
    navigate('/');
  };

  return (
    <header className="header">
      <nav>
        <Link to="/" className="logo">TIKETI</Link>
        <Link to="/">공연</Link>
        {/* TODO: 뉴스 API 연동 후 활성화 */}
        {/* <Link to="/news">뉴스</Link> */}
        {user && <Link to="/my-reservations">예매 내역</Link>}
        {user?.role === 'admin' && <Link to="/admin/stats">관리자 통계</Link>}
      </nav>
      <div>
        {user ? (
          <>
            <span>{user.name}님</span>{' '}
            <button type="button" onClick={logout}>로그아웃</button>
          </>
        ) : (
          <Link to="/login">로그인</Link>
        )}
      </div>
    </header>
  );
}
