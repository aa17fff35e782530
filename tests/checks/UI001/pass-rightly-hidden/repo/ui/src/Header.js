import { Link } from 'react-router-dom';

// const template = '<Link to="/faq">FAQ</Link>';
// TODO: 나중에 "<Link to="/faq">FAQ</Link>" 를 메뉴에 추가할지 결정
export default function Header() {
  return (
    <nav>
      {/* <Link to="/events">공연</Link> */}
      {/* <Link to="/news">뉴스</Link> */}
      {/* <Link to="/stats">통계</Link> */}
      {/* <Link to="/old-home">홈</Link> */}
      {/* <Link to="/about">About</Link> */}
      <Link to="/about">소개</Link>
    </nav>
  );
}
