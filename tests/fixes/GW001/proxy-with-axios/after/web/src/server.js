const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3001;
const express = require('express');

// The gateway: its own health endpoints, and everything under /api/items forwarded to api.
const app = express();
app.use(express.json());
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));

const items = express.Router();
items.all('/*', async (req, res) => {
  const upstream = await fetch(`${API_URL}${req.originalUrl}`, { method: req.method });
  res.status(upstream.status).send(await upstream.text());
});
app.use('/api/items', items);
app.use('/api/orders', require('./orders'));

app.listen(PORT);
module.exports = { API_URL, PORT, app };
