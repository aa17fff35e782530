import { NavLink } from 'react-router-dom';

export default function Nav() {
  return (
    <nav>
      <NavLink to="/admin">관리자</NavLink>
      {
        // FIXME: 통계 서비스 복구 후 다시 켜기
        // <NavLink
        //   to="/admin/stats">
        //   통계
        // </NavLink>
      }
    </nav>
  );
}
