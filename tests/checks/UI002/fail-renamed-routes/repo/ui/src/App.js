import { Routes, Route } from 'react-router-dom';
import Notices from './pages/Notices';
import Stats from './pages/Stats';

function NotFound() {
  return <p>404</p>;
}

export default function App() {
  return (
    <Routes>
      <Route path="/notices" element={<Notices />} />
      <Route path="/admin">
        <Route path="stats" element={<Stats />} />
      </Route>
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
