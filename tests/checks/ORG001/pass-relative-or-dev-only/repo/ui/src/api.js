import axios from 'axios';

export const api = axios.create({ baseURL: import.meta.env.VITE_API_URL || 'http://localhost:3005/api' });
export const relative = axios.create({ baseURL: '/api' });
const base = import.meta.env.DEV ? 'http://localhost:3005/api' : '/api';
export const other = axios.create({ baseURL: base });

export function client(url = 'http://localhost:3005/api') {
  return axios.create({ baseURL: url });
}

if (process.env.NODE_ENV === 'development') {
  console.log('api at', 'http://localhost:3005/api/docs');
}

// the gateway's port: no Ingress path reaches the gateway, so nothing is bypassed
export const admin = fetch('http://localhost:3001/api/admin');
// a port no component owns (a local mail catcher)
export const mail = fetch('http://localhost:8025/api/v2/messages');
