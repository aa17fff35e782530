const express = require('express');
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
const path = require('path');

const app = express();
const PORT = process.env.PORT || 3005;
app.get('/health', (req, res) => res.json({ status: 'ok', jwt: typeof jwt, crypto: typeof crypto, path: typeof path }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));

const items = express.Router();
items.get('/', (req, res) => res.json({ items: [] }));
items.get('/:id', (req, res) => res.json({ id: req.params.id }));
app.use('/api/items', items);

app.listen(PORT);
