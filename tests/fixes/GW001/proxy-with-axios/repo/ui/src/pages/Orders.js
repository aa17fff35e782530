import { useEffect } from 'react';
import client from '../services/client';

export default function Orders({ id }) {
  useEffect(() => {
    client.get('/items');
    client.get('/orders/summary');
    client.post(`/orders/${id}/pay`, { method: 'card' });
  }, [id]);
  return null;
}
