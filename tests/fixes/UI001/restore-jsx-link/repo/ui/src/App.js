import { Routes, Route } from 'react-router-dom';
import Header from './components/Header';
import EventList from './pages/EventList';
import NewsList from './pages/NewsList';

export default function App() {
  return (
    <Routes>
      <Route path="/" element={<EventList />} />
      <Route path="/news" element={<NewsList />} />
      <Route path="*" element={<p>없는 페이지</p>} />
    </Routes>
  );
}
