import { Routes, Route } from 'react-router-dom';
import { lazy } from 'react';
import AdminLayout from './pages/AdminLayout';
import RequireAdmin from './RequireAdmin';

const AdminStats = lazy(() => import('./pages/AdminStats'));

export default function App() {
  return (
    <Routes>
      <Route path="/admin" element={<AdminLayout />}>
        <Route index element={<p>관리자</p>} />
        <Route path="stats" element={<RequireAdmin><AdminStats /></RequireAdmin>} />
      </Route>
    </Routes>
  );
}
