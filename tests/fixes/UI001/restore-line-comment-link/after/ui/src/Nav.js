import { NavLink } from 'react-router-dom';

export default function Nav() {
  return (
    <nav>
      <NavLink to="/admin">관리자</NavLink>
      <NavLink
        to="/admin/stats">
        통계
      </NavLink>
    </nav>
  );
}
