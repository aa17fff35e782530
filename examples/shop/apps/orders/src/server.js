'use strict';

const http = require('node:http');
const express = require('express');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createLogger } = require('@shop/logger');
const redis = require('./redis');

const log = createLogger('orders');
const PORT = Number(process.env.PORT) || 4002;

const app = express();
app.disable('x-powered-by');
app.use(express.json());

const server = http.createServer(app);
// The Ingress sends /socket.io straight here; the adapter fans events out across replicas.
const io = new Server(server, { path: '/socket.io' });
io.on('connection', (socket) => socket.join(socket.handshake.auth.session || 'anonymous'));

app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.get('/readyz', async (req, res) => {
  const ok = redis.client.isReady;
  res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', redis: ok });
});
app.use('/api/carts', require('./routes/carts'));
app.use('/api/orders', require('./routes/orders')(io));
app.use((err, req, res, next) => {
  log.error(err.message);
  res.status(err.status || 500).json({ error: err.message });
});

redis.connect().then(({ client, subscriber }) => {
  io.adapter(createAdapter(client, subscriber));
  server.listen(PORT, () => log.info(`orders listening on :${PORT}`));
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
