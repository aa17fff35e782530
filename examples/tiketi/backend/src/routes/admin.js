'use strict';

const express = require('express');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('../config/database');
const { requireAdmin } = require('../middleware/auth');

const router = express.Router();
router.use(requireAdmin);

const EVENT_STATUSES = ['upcoming', 'on_sale', 'sold_out', 'closed', 'cancelled'];

// GET /api/admin/reservations?limit=20 : latest reservations for the dashboard
router.get('/reservations', asyncHandler(async (req, res) => {
  const limit = Math.min(Number(req.query.limit) || 20, 100);
  const { rows } = await db.query(
    `SELECT r.id, r.status, r.total_amount, r.created_at,
            e.title AS event_title, r.user_id
       FROM ticket_schema.reservations r
       JOIN ticket_schema.events e ON e.id = r.event_id
      ORDER BY r.created_at DESC
      LIMIT $1`,
    [limit],
  );
  res.json({ reservations: rows });
}));

// PATCH /api/admin/events/:id/status  { status }
router.patch('/events/:id/status', asyncHandler(async (req, res) => {
  const { status } = req.body;
  if (!EVENT_STATUSES.includes(status)) {
    throw new AppError(400, 'VALIDATION_ERROR', `status must be one of ${EVENT_STATUSES.join(', ')}`);
  }
  const { rows } = await db.query(
    'UPDATE ticket_schema.events SET status = $1 WHERE id = $2 RETURNING id, title, status',
    [status, req.params.id],
  );
  if (rows.length === 0) throw new AppError(404, 'EVENT_NOT_FOUND', 'Event not found');
  res.json({ event: rows[0] });
}));

module.exports = router;
