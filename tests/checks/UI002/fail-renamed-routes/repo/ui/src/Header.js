import { Link, NavLink } from 'react-router-dom';

export default function Header({ id }) {
  return (
    <nav>
      <Link to="/notices">공지 목록</Link>
      <Link to="/notice">공지</Link>
      <NavLink to="/stats">통계</NavLink>
      <Link to={`/admin/stats/${id}`}>일별 통계</Link>
    </nav>
  );
}
