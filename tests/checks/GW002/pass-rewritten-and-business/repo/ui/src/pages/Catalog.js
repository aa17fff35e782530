import client from '../services/client';

export const catalogAPI = {
  all: () => client.get('/catalog'),
  one: (id) => client.get(`/catalog/${id}`),
  summary: () => client.get('/dashboard/summary'),
};
