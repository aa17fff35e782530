import { Link } from 'react-router-dom';

export default function Menu() {
  return (
    <nav>
      <Link to="/">홈</Link>
      {/*
        <Link to="/notice/latest">공지</Link>
      */}
    </nav>
  );
}
