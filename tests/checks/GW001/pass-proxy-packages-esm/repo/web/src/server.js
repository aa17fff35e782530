import express from 'express';
import proxy from 'express-http-proxy';
import { createProxyMiddleware } from 'http-proxy-middleware';
import status from './status.js';

const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3001;

const app = express();
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));
app.use('/api/items', createProxyMiddleware({ target: API_URL, changeOrigin: true }));
app.use('/api/orders', proxy(API_URL));
app.use('/api', status);
app.listen(PORT);
