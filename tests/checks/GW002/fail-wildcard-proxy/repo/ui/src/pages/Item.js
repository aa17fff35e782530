import client from '../services/client';

export async function load(id) {
  const item = await client.get(`/items/${id}`);
  const reviews = await client.get(`/items/${id}/reviews`);
  return { item, reviews };
}
