'use strict';

const http = require('http');
const express = require('express');
const cors = require('cors');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createLogger, notFoundHandler, errorHandler } = require('@tiketi/common');
const db = require('@tiketi/database');
const { initMetrics, httpMetrics, metricsHandler } = require('@tiketi/metrics');
const { createRedisClient } = require('./redis');

const logger = createLogger('ticket-service');
const PORT = process.env.PORT || 3002;
const HOST = process.env.HOST || '0.0.0.0';
const CORS_ORIGIN = (process.env.CORS_ORIGIN || 'http://localhost:3000').split(',');

initMetrics('ticket-service');

const app = express();
app.disable('x-powered-by');
app.use(cors({ origin: CORS_ORIGIN, credentials: true }));
app.use(express.json());
app.use(httpMetrics());

app.get('/health', (req, res) => {
  res.json({ status: 'ok', service: 'ticket-service' });
});

app.get('/health/ready', async (req, res) => {
  const dbOk = await db.ping(1000);
  res.status(dbOk ? 200 : 503).json({ status: dbOk ? 'ready' : 'not_ready', service: 'ticket-service', db: dbOk });
});

app.get('/metrics', metricsHandler);
app.use('/api/events', require('./routes/events'));
app.use('/api/reservations', require('./routes/reservations'));
app.use('/api/queue', require('./routes/queue'));
app.use('/internal', require('./routes/internal'));

app.use(notFoundHandler);
app.use(errorHandler(logger));

// Socket.IO: clients join "event:<id>" rooms and receive seat updates.
// The Redis adapter fans the broadcasts out across ticket-service replicas.
const server = http.createServer(app);
const io = new Server(server, { cors: { origin: CORS_ORIGIN, credentials: true } });

// null = keep (un)subscribe commands queued until Dragonfly is reachable
const pubClient = createRedisClient('socket-pub', { maxRetriesPerRequest: null });
const subClient = createRedisClient('socket-sub', { maxRetriesPerRequest: null });
io.adapter(createAdapter(pubClient, subClient));

io.on('connection', (socket) => {
  socket.on('join-event', (eventId) => socket.join(`event:${eventId}`));
  socket.on('leave-event', (eventId) => socket.leave(`event:${eventId}`));
});

app.set('io', io);

server.listen(PORT, HOST, () => {
  logger.info(`ticket-service listening on http://${HOST}:${PORT}`);
});

process.on('SIGTERM', () => {
  io.close();
  server.close(() => {
    pubClient.disconnect();
    subClient.disconnect();
    db.close().finally(() => process.exit(0));
  });
});
