'use strict';

const express = require('express');
const { createLogger } = require('@shop/logger');

const log = createLogger('catalog');
const PORT = Number(process.env.PORT) || 4001;

const app = express();
app.disable('x-powered-by');
app.use(express.json());

app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.get('/readyz', (req, res) => res.json({ status: 'ready' }));
app.use('/api/products', require('./routes/products'));

const server = app.listen(PORT, () => log.info(`catalog listening on :${PORT}`));

process.on('SIGTERM', () => server.close(() => process.exit(0)));
