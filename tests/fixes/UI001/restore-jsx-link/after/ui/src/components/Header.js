import { Link } from 'react-router-dom';

export default function Header() {
  return (
    <header>
      <nav>
        <Link to="/">공연</Link>
        <Link to="/news">뉴스</Link>
      </nav>
    </header>
  );
}
