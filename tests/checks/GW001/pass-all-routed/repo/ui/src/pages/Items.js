import axios from 'axios';
import client from '../services/client';

// client.get('/not-a-call') in a comment
const note = "client.post('/also/not/a/call')";

export async function load(id, url) {
  await client.get('/items');
  await client.get(`/items/${id}?expand=${note}`);
  await axios({ method: 'post', url: '/api/items', data: { id } });
  await fetch('/api/items?page=2');
  await axios.get(`https://api.tosspayments.com/v1/payments/${id}`);
  await fetch('https://cdn.example.com/banner.json');
  await fetch('/config.json');
  return client.get(url);
}
