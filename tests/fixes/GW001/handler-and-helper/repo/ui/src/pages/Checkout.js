import client from '../services/client';

const API_URL = process.env.REACT_APP_API_URL || 'http://localhost:3001';

export async function checkout(id, body) {
  await client.get('/orders');
  await client.get(`/orders/${id}`);
  await client.post('/orders/confirm', body);
  await fetch(`${API_URL}/api/orders/${id}/pay`, { method: 'POST', body: JSON.stringify(body) });
  return client.delete(`/orders/${id}`);
}
