import axios from 'axios';

// The browser only talks to /api on its own origin: the Ingress sends it to the edge gateway.
const api = axios.create({
  baseURL: import.meta.env.VITE_API_BASE ?? '/api',
  timeout: 8000,
  headers: { 'x-session-id': sessionId() },
});

export function sessionId() {
  let id = localStorage.getItem('session');
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem('session', id);
  }
  return id;
}

export const listProducts = (q) => api.get('/products', { params: { q } });
export const getCart = () => api.get('/carts/current');
export const addToCart = (productId, quantity = 1) => api.post('/carts/current/items', { productId, quantity });
export const listOrders = () => api.get('/orders');
export const placeOrder = () => api.post('/orders');
