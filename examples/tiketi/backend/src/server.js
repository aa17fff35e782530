'use strict';

const express = require('express');
const cors = require('cors');
const path = require('node:path');
const { createLogger, notFoundHandler, errorHandler } = require('@tiketi/common');
const db = require('./config/database');

const logger = createLogger('backend');
const PORT = process.env.PORT || 3001;
const HOST = process.env.HOST || '0.0.0.0';
const CORS_ORIGIN = (process.env.CORS_ORIGIN || 'http://localhost:3000').split(',');

const app = express();
app.disable('x-powered-by');
app.use(cors({ origin: CORS_ORIGIN, credentials: true }));
app.use(express.json({ limit: '1mb' }));
app.use('/uploads', express.static(path.join(__dirname, '..', 'uploads'), { maxAge: '7d' }));

app.get('/health', (req, res) => {
  res.json({ status: 'ok', service: 'backend' });
});

app.get('/health/ready', async (req, res) => {
  const dbOk = await db.ping(1000);
  res.status(dbOk ? 200 : 503).json({ status: dbOk ? 'ready' : 'not_ready', service: 'backend', db: dbOk });
});

// Forwarded to the microservices
app.use('/api/auth', require('./routes/auth'));
app.use('/api/events', require('./routes/events'));
app.use('/api/reservations', require('./routes/reservations'));
app.use('/api/queue', require('./routes/queue'));
app.use('/api/payments', require('./routes/payments'));

// Served by the gateway itself
app.use('/api/news', require('./routes/news'));
app.use('/api/admin', require('./routes/admin'));
app.use('/api/images', require('./routes/images'));

app.use(notFoundHandler);
app.use(errorHandler(logger));

const server = app.listen(PORT, HOST, () => {
  logger.info(`API gateway listening on http://${HOST}:${PORT}`);
});

function shutdown(signal) {
  logger.info(`${signal} received, shutting down`);
  server.close(() => {
    db.close().finally(() => process.exit(0));
  });
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
