'use strict';

const { createClient } = require('redis');

const REDIS_URL = process.env.REDIS_URL || 'redis://redis:6379';

// One client for commands, a duplicate for the Socket.IO adapter's subscriptions.
const client = createClient({ url: REDIS_URL });
const subscriber = client.duplicate();

async function connect() {
  await Promise.all([client.connect(), subscriber.connect()]);
  return { client, subscriber };
}

module.exports = { client, subscriber, connect };
