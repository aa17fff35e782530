const express = require('express');
const app = express();
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));
app.get('/api/items', (req, res) => res.json({ items: [] }));
app.listen(process.env.PORT);
