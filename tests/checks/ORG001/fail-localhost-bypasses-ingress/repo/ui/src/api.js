import axios from 'axios';

export const api = axios.create({ baseURL: 'http://localhost:3005/api' });

export async function health() {
  return fetch('http://localhost:3005/health');
}

export const login = (body) => fetch(`http://127.0.0.1:3005/api/auth/login`, { method: 'POST', body });
