const BASE = process.env.REACT_APP_API_URL || 'http://localhost:3001';

export async function getJson(path) {
  const res = await fetch(`${BASE}/api${path}`);
  return res.json();
}

export function remove(path) {
  return fetch(`${BASE}/api${path}`, { method: 'DELETE' });
}
