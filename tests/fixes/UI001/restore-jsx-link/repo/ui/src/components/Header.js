import { Link } from 'react-router-dom';

export default function Header() {
  return (
    <header>
      <nav>
        <Link to="/">공연</Link>
        {/* TODO: 뉴스 API 연동 후 활성화 */}
        {/* <Link to="/news">뉴스</Link> */}
      </nav>
    </header>
  );
}
