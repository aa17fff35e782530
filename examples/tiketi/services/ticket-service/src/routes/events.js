'use strict';

const express = require('express');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('@tiketi/database');

const router = express.Router();

// GET /api/events?status=on_sale
router.get('/', asyncHandler(async (req, res) => {
  const params = [];
  let where = '';
  if (req.query.status) {
    params.push(req.query.status);
    where = 'WHERE status = $1';
  }
  const { rows } = await db.query(
    `SELECT id, title, artist, venue, event_date, sale_start, status, poster_url
       FROM ticket_schema.events ${where}
      ORDER BY event_date ASC`,
    params,
  );
  res.json({ events: rows });
}));

// GET /api/events/:id
router.get('/:id', asyncHandler(async (req, res) => {
  const { rows } = await db.query(
    `SELECT e.*,
            (SELECT COUNT(*) FROM ticket_schema.seats s
              WHERE s.event_id = e.id AND s.status = 'available')::int AS available_seats
       FROM ticket_schema.events e
      WHERE e.id = $1`,
    [req.params.id],
  );
  if (rows.length === 0) throw new AppError(404, 'EVENT_NOT_FOUND', 'Event not found');
  res.json({ event: rows[0] });
}));

// GET /api/events/:id/seats
router.get('/:id/seats', asyncHandler(async (req, res) => {
  const { rows } = await db.query(
    `SELECT id, section, row_label, seat_number, price, status
       FROM ticket_schema.seats
      WHERE event_id = $1
      ORDER BY section, row_label, seat_number`,
    [req.params.id],
  );
  res.json({ seats: rows });
}));

module.exports = router;
