import axios from 'axios';

const api = axios.create({ baseURL: `${process.env.REACT_APP_API_URL || ''}/api` });

export const listItems = () => api.get('/items');
export const getItem = (id) => api.get(`/items/${id}`);
