'use strict';

const express = require('express');
const jwt = require('jsonwebtoken');
const { types } = require('pg');
const { Histogram } = require('prom-client');
const { format } = require('date-fns/format');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('@tiketi/database');
const { register } = require('@tiketi/metrics');

// COUNT(*) and SUM(integer) come back as BIGINT (OID 20), which pg returns as
// strings; the dashboard numbers stay far below 2^53.
types.setTypeParser(20, (value) => parseInt(value, 10));

const router = express.Router();
const JWT_SECRET = process.env.JWT_SECRET || 'local-dev-jwt-secret-change-me';

const queryDuration = new Histogram({
  name: 'tiketi_stats_query_duration_seconds',
  help: 'Duration of the statistics queries',
  labelNames: ['report'],
  registers: [register],
});

function requireAdmin(req, res, next) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) return next(new AppError(401, 'UNAUTHORIZED', 'Login required'));
  try {
    req.user = jwt.verify(token, JWT_SECRET);
  } catch (err) {
    return next(new AppError(401, 'INVALID_TOKEN', 'Invalid or expired token'));
  }
  if (req.user.role !== 'admin') return next(new AppError(403, 'FORBIDDEN', 'Admin only'));
  return next();
}

router.use(requireAdmin);

// GET /api/stats/overview
router.get('/overview', asyncHandler(async (req, res) => {
  const end = queryDuration.startTimer({ report: 'overview' });
  const { rows } = await db.query(`
    SELECT
      (SELECT COUNT(*) FROM auth_schema.users)                                        AS total_users,
      (SELECT COUNT(*) FROM ticket_schema.events)                                     AS total_events,
      (SELECT COUNT(*) FROM ticket_schema.events WHERE status = 'on_sale')            AS events_on_sale,
      (SELECT COUNT(*) FROM ticket_schema.reservations WHERE status = 'confirmed')    AS confirmed_reservations,
      (SELECT COUNT(*) FROM ticket_schema.seats WHERE status = 'sold')                AS sold_seats,
      (SELECT COALESCE(SUM(amount), 0) FROM payment_schema.payments WHERE status = 'done') AS total_revenue,
      (SELECT COALESCE(SUM(amount), 0) FROM payment_schema.payments
        WHERE status = 'done' AND approved_at >= date_trunc('day', NOW()))            AS today_revenue
  `);
  end();
  res.json({ overview: rows[0], generatedAt: new Date().toISOString() });
}));

// GET /api/stats/daily?days=7
router.get('/daily', asyncHandler(async (req, res) => {
  const days = Math.min(Math.max(Number(req.query.days) || 7, 1), 90);
  const end = queryDuration.startTimer({ report: 'daily' });
  const { rows } = await db.query(
    `SELECT d::date AS day,
            (SELECT COUNT(*) FROM ticket_schema.reservations r
              WHERE r.status = 'confirmed' AND r.created_at::date = d::date) AS reservations,
            (SELECT COALESCE(SUM(p.amount), 0) FROM payment_schema.payments p
              WHERE p.status = 'done' AND p.approved_at::date = d::date)      AS revenue
       FROM generate_series(CURRENT_DATE - ($1::int - 1), CURRENT_DATE, INTERVAL '1 day') AS d
      ORDER BY d`,
    [days],
  );
  end();
  res.json({
    days,
    daily: rows.map((row) => ({
      date: format(row.day, 'yyyy-MM-dd'),
      label: format(row.day, 'MM/dd'),
      reservations: row.reservations,
      revenue: row.revenue,
    })),
  });
}));

module.exports = router;
