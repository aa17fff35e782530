'use strict';

const Redis = require('ioredis');
const { createLogger } = require('@tiketi/common');

const logger = createLogger('ticket-service');

// Dragonfly speaks the Redis protocol, so ioredis is used as is.
// Connection errors are logged once per outage and never crash the process;
// ioredis keeps reconnecting in the background.
function createRedisClient(name, options = {}) {
  const client = new Redis({
    host: process.env.REDIS_HOST || 'localhost',
    port: Number(process.env.REDIS_PORT || 6379),
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...options,
  });
  let down = false;
  client.on('error', (err) => {
    if (!down) logger.warn(`redis (${name}) unavailable`, { error: err.message });
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info(`redis (${name}) connected again`);
    down = false;
  });
  return client;
}

module.exports = { createRedisClient };
