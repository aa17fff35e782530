import { Routes, Route, useRoutes } from 'react-router-dom';
import Event from './pages/Event';
import Docs from './pages/Docs';

export function Legacy() {
  return useRoutes([{ path: '/legacy', children: [{ path: ':year/:month', element: <Docs /> }] }]);
}

export default function App() {
  return (
    <Routes>
      <Route path="/" element={<Event />} />
      <Route path="/events/:id" element={<Event />} />
      <Route path="/:lang?/about" element={<Docs />} />
      <Route path="/docs/*" element={<Docs />} />
      <Route path="*" element={<Docs />} />
    </Routes>
  );
}
