import { Routes, Route, Navigate } from 'react-router-dom';
import About from './pages/About';
import Faq from './pages/Faq';
import News from './pages/News';
import { Stats } from './pages/Stats';

function NotFound() {
  return <p>404</p>;
}

export default function App() {
  return (
    <Routes>
      <Route path="/about" element={<About />} />
      <Route path="/faq" element={<Faq />} />
      <Route path="/news" element={<News />} />
      <Route path="/stats" element={<Stats />} />
      <Route path="/old-home" element={<Navigate to="/about" />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
