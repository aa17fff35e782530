'use strict';

// Serves the esbuild bundle and index.html (SPA fallback for react-router).
const express = require('express');
const path = require('node:path');
const fs = require('node:fs');

const PORT = process.env.PORT || 3000;
const HOST = process.env.HOST || '0.0.0.0';
const BUNDLE = path.join(__dirname, 'build', 'static', 'js', 'bundle.js');
const INDEX_HTML = path.join(__dirname, 'public', 'index.html');

const app = express();
app.disable('x-powered-by');

app.get('/health', (req, res) => {
  res.json({ status: 'ok', service: 'frontend' });
});

app.get('/health/ready', (req, res) => {
  const built = fs.existsSync(BUNDLE);
  res.status(built ? 200 : 503).json({ status: built ? 'ready' : 'not_ready', service: 'frontend', bundle: built });
});

app.use('/static', express.static(path.join(__dirname, 'build', 'static'), { maxAge: '1h' }));
app.use(express.static(path.join(__dirname, 'public'), { index: false }));

app.get('*', (req, res) => {
  res.sendFile(INDEX_HTML);
});

app.listen(PORT, HOST, () => {
  process.stdout.write(`${JSON.stringify({ level: 'info', service: 'frontend', message: `listening on http://${HOST}:${PORT}` })}\n`);
});
