const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3001;
const express = require('express');

const app = express();
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));

// The old public name of the items API: /api/catalog/x is api's /api/items/x.
const catalog = express.Router();
catalog.all('*', async (req, res) => {
  const upstream = await fetch(`${API_URL}/api/items${req.url === '/' ? '' : req.url}`, { method: req.method });
  res.status(upstream.status).send(await upstream.text());
});
app.use('/api/catalog', catalog);

// Served by the gateway: it asks api for data at a path of its own choosing.
app.get('/api/dashboard/summary', async (req, res) => {
  const stats = await fetch(`${API_URL}/internal/stats`).then((r) => r.json());
  res.json({ stats });
});

app.listen(PORT);
