import { Link, NavLink } from 'react-router-dom';

export default function Links({ id, url, year }) {
  return (
    <nav>
      <Link to="/">홈</Link>
      <Link to="/events/42">공연 42</Link>
      <Link to={`/events/${id}`}>공연</Link>
      <Link to={{ pathname: '/docs/guide/intro', search: '?v=2' }}>문서</Link>
      <NavLink to="/about">소개</NavLink>
      <NavLink to="/ko/about?tab=team#top">소개</NavLink>
      <Link to={`/legacy/${year}/12`}>옛 글</Link>
      <Link to="edit">상대 경로</Link>
      <Link to="https://example.org/tickets">외부</Link>
      <Link to={url}>동적</Link>
      <a href="/api/report.pdf">보고서</a>
    </nav>
  );
}
