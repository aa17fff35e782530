'use strict';

const { Pool } = require('pg');

let pool = null;

// The pool is created on first use, and pg only opens a connection when a
// query runs, so a service starts even while Postgres is still coming up.
function getPool() {
  if (!pool) {
    pool = new Pool({
      host: process.env.DB_HOST || 'localhost',
      port: Number(process.env.DB_PORT || 5432),
      database: process.env.DB_NAME || 'tiketi',
      user: process.env.DB_USER || 'tiketi',
      password: process.env.DB_PASSWORD || '',
      max: Number(process.env.DB_POOL_MAX || 10),
      idleTimeoutMillis: 30000,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', (err) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', message: 'idle pg client error', error: err.message })}\n`);
    });
  }
  return pool;
}

function query(text, params) {
  return getPool().query(text, params);
}

async function withTransaction(fn) {
  const client = await getPool().connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

// Resolves true when `SELECT 1` answers within timeoutMs, false otherwise.
async function ping(timeoutMs = 1000) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const check = query('SELECT 1').then(() => true, () => false);
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function close() {
  if (pool) {
    const current = pool;
    pool = null;
    await current.end();
  }
}

module.exports = { getPool, query, withTransaction, ping, close };
