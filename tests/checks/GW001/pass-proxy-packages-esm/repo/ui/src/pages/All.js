import client from '../services/client';

export const load = (id) => Promise.all([
  client.get(`/items/${id}`),
  client.post('/orders/confirm', { id }),
  client.get('/status'),
]);
