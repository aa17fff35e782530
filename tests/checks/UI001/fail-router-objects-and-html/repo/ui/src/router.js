import { createBrowserRouter } from 'react-router-dom';
import Root from './Root';
import Events from './pages/Events';
import { NoticeLatest } from './pages/Notice';

const routes = [
  {
    path: '/',
    element: <Root />,
    children: [
      { index: true, element: <Events /> },
      { path: 'events', element: <Events /> },
      { path: 'notice', children: [{ path: 'latest', Component: NoticeLatest }] },
    ],
  },
];

export const router = createBrowserRouter(routes);
