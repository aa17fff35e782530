import axios from 'axios';
import { io } from 'socket.io-client';

const api = axios.create({ baseURL: `${process.env.REACT_APP_API_URL || ''}/api` });

export const listItems = () => api.get('/items');
export const getItem = (id) => api.get(`/items/${id}`);
export const live = () => io();
