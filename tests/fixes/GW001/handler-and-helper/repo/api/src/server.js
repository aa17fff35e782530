const express = require('express');
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
const path = require('path');

const app = express();
const PORT = process.env.PORT || 3005;
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));
app.get('/api/items', (req, res) => res.json({ items: [] }));
app.get('/api/items/:id', (req, res) => res.json({ id: req.params.id }));

const orders = express.Router();
orders.get('/', (req, res) => res.json({ orders: [] }));
orders.get('/summary', (req, res) => res.json({ total: 0 }));
orders.get('/:id', (req, res) => res.json({ id: req.params.id }));
orders.post('/confirm', (req, res) => res.json({ ok: true, jwt: typeof jwt, crypto: typeof crypto, path: typeof path }));
orders.post('/:id/pay', (req, res) => res.json({ paid: req.params.id }));
app.use('/api/orders', orders);

app.listen(PORT, () => console.log(`api on ${PORT}`));
