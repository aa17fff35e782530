import client from '../services/client';

export const ordersAPI = {
  list: () => client.get('/orders'),
  get: (id) => client.get(`/orders/${id}`),
  cancel: (id) => client.delete(`/orders/${id}`),
  items: (id) => client.get(`/items/${id}/stock`),
};
