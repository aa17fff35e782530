'use strict';

// The gateway owns the news and admin tables (public schema) and talks to
// Postgres directly; the microservices use @tiketi/database instead.
const { Pool } = require('pg');

let pool;

function getPool() {
  if (!pool) {
    pool = new Pool({
      host: process.env.DB_HOST || 'localhost',
      port: Number(process.env.DB_PORT || 5432),
      database: process.env.DB_NAME || 'tiketi',
      user: process.env.DB_USER || 'tiketi',
      password: process.env.DB_PASSWORD || '',
      max: 10,
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', (err) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', service: 'backend', message: 'pg pool error', error: err.message })}\n`);
    });
  }
  return pool;
}

function query(text, params) {
  return getPool().query(text, params);
}

async function ping(timeoutMs = 1000) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([query('SELECT 1').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function close() {
  if (pool) await pool.end();
}

module.exports = { query, ping, close };
