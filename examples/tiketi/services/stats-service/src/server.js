'use strict';

const express = require('express');
const cors = require('cors');
const { createLogger, notFoundHandler, errorHandler } = require('@tiketi/common');
const db = require('@tiketi/database');
const { initMetrics, httpMetrics, metricsHandler } = require('@tiketi/metrics');

const logger = createLogger('stats-service');
const PORT = process.env.PORT || 3004;
const HOST = process.env.HOST || '0.0.0.0';

initMetrics('stats-service');

const app = express();
app.disable('x-powered-by');
app.use(cors({ origin: (process.env.CORS_ORIGIN || 'http://localhost:3000').split(','), credentials: true }));
app.use(express.json());
app.use(httpMetrics());

app.get('/health', (req, res) => {
  res.json({ status: 'ok', service: 'stats-service' });
});

app.get('/health/ready', async (req, res) => {
  const dbOk = await db.ping(1000);
  res.status(dbOk ? 200 : 503).json({ status: dbOk ? 'ready' : 'not_ready', service: 'stats-service', db: dbOk });
});

app.get('/metrics', metricsHandler);
app.use('/api/stats', require('./routes/stats'));

app.use(notFoundHandler);
app.use(errorHandler(logger));

const server = app.listen(PORT, HOST, () => {
  logger.info(`stats-service listening on http://${HOST}:${PORT}`);
});

process.on('SIGTERM', () => {
  server.close(() => db.close().finally(() => process.exit(0)));
});
