import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import { listOrders, sessionId } from '../api.js';

export default function Orders() {
  const [orders, setOrders] = useState([]);

  useEffect(() => {
    listOrders().then((res) => setOrders(res.data.orders));
    // Same origin: the Ingress routes /socket.io to the orders service.
    const socket = io({ path: '/socket.io', auth: { session: sessionId() } });
    socket.on('order-status', (update) => {
      setOrders((current) => current.map((o) => (o.id === update.id ? { ...o, status: update.status } : o)));
    });
    return () => socket.disconnect();
  }, []);

  return (
    <ul>
      {orders.map((o) => (
        <li key={o.id}>{o.id}: {o.status} ({(Number(o.total) / 100).toFixed(2)})</li>
      ))}
    </ul>
  );
}
