import axios from 'axios';

// The gateway (backend, port 3001) is the only API the browser talks to.
const API_URL = process.env.REACT_APP_API_URL || 'http://localhost:3001';

const api = axios.create({
  baseURL: `${API_URL}/api`,
  timeout: 10000,
  headers: { 'Content-Type': 'application/json' },
});

api.interceptors.request.use((config) => {
  const token = localStorage.getItem('token');
  if (token) {
    config.headers.Authorization = `Bearer ${token}`;
  }
  return config;
});

api.interceptors.response.use(
  (response) => response,
  (error) => {
    if (error.response && error.response.status === 401) {
      localStorage.removeItem('token');
      localStorage.removeItem('user');
    }
    return Promise.reject(error);
  },
);

export const authAPI = {
  login: (email, password) => api.post('/auth/login', { email, password }),
  register: (data) => api.post('/auth/register', data),
  google: (credential) => api.post('/auth/google', { credential }),
  me: () => api.get('/auth/me'),
};

export const eventsAPI = {
  list: (params) => api.get('/events', { params }),
  get: (id) => api.get(`/events/${id}`),
  seats: (id) => api.get(`/events/${id}/seats`),
};

export const reservationsAPI = {
  create: (eventId, seatIds) => api.post('/reservations', { eventId, seatIds }),
  mine: () => api.get('/reservations/my'),
  cancel: (id) => api.post(`/reservations/${id}/cancel`),
};

export const queueAPI = {
  join: (eventId) => api.post(`/queue/${eventId}/join`),
  status: (eventId) => api.get(`/queue/${eventId}/status`),
};

export const paymentsAPI = {
  history: () => api.get('/payments'),
};

export const newsAPI = {
  list: (page = 1) => api.get('/news', { params: { page } }),
};

export const imagesAPI = {
  upload: (file) => {
    const form = new FormData();
    form.append('image', file);
    return api.post('/images/upload', form, { headers: { 'Content-Type': 'multipart/form-data' } });
  },
};

export function errorMessage(err, fallback = '요청을 처리하지 못했습니다') {
  return err?.response?.data?.message || fallback;
}

export default api;
