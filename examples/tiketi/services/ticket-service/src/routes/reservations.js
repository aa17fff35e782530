'use strict';

const express = require('express');
const { DatabaseError } = require('pg');
const { Counter } = require('prom-client');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('@tiketi/database');
const { register } = require('@tiketi/metrics');
const { requireAuth } = require('../middleware/auth');

const router = express.Router();
const HOLD_MINUTES = Number(process.env.RESERVATION_HOLD_MINUTES || 10);
const MAX_SEATS = 4;

const reservationsCreated = new Counter({
  name: 'tiketi_reservations_created_total',
  help: 'Reservations created (seats held, waiting for payment)',
  registers: [register],
});

function broadcastSeats(req, eventId, seatIds, status) {
  const io = req.app.get('io');
  if (io) io.to(`event:${eventId}`).emit('seats-updated', { eventId, seatIds, status });
}

// POST /api/reservations  { eventId, seatIds: [] }
router.post('/', requireAuth, asyncHandler(async (req, res) => {
  const { eventId, seatIds } = req.body;
  if (!eventId || !Array.isArray(seatIds) || seatIds.length === 0) {
    throw new AppError(400, 'VALIDATION_ERROR', 'eventId and seatIds are required');
  }
  if (seatIds.length > MAX_SEATS) {
    throw new AppError(400, 'TOO_MANY_SEATS', `At most ${MAX_SEATS} seats per reservation`);
  }

  let reservation;
  try {
    reservation = await db.withTransaction(async (client) => {
      const { rows: seats } = await client.query(
        `SELECT id, price FROM ticket_schema.seats
          WHERE event_id = $1 AND id = ANY($2::int[]) AND status = 'available'
          FOR UPDATE`,
        [eventId, seatIds],
      );
      if (seats.length !== seatIds.length) {
        throw new AppError(409, 'SEAT_TAKEN', 'Some of the selected seats are no longer available');
      }
      const total = seats.reduce((sum, seat) => sum + seat.price, 0);
      const { rows } = await client.query(
        `INSERT INTO ticket_schema.reservations (user_id, event_id, status, total_amount, expires_at)
         VALUES ($1, $2, 'pending', $3, NOW() + make_interval(mins => $4))
         RETURNING id, event_id, status, total_amount, expires_at, created_at`,
        [req.user.id, eventId, total, HOLD_MINUTES],
      );
      await client.query(
        `INSERT INTO ticket_schema.reservation_items (reservation_id, seat_id)
         SELECT $1, UNNEST($2::int[])`,
        [rows[0].id, seatIds],
      );
      await client.query(
        "UPDATE ticket_schema.seats SET status = 'reserved' WHERE id = ANY($1::int[])",
        [seatIds],
      );
      return rows[0];
    });
  } catch (err) {
    if (err instanceof DatabaseError && err.code === '23505') {
      throw new AppError(409, 'SEAT_TAKEN', 'Some of the selected seats are no longer available');
    }
    throw err;
  }

  reservationsCreated.inc();
  broadcastSeats(req, eventId, seatIds, 'reserved');
  res.status(201).json({ reservation: { ...reservation, seat_ids: seatIds } });
}));

// GET /api/reservations/my
router.get('/my', requireAuth, asyncHandler(async (req, res) => {
  const { rows } = await db.query(
    `SELECT r.id, r.status, r.total_amount, r.expires_at, r.created_at,
            e.id AS event_id, e.title AS event_title, e.event_date, e.venue,
            COALESCE(json_agg(json_build_object('section', s.section, 'row', s.row_label, 'number', s.seat_number))
                     FILTER (WHERE s.id IS NOT NULL), '[]') AS seats
       FROM ticket_schema.reservations r
       JOIN ticket_schema.events e ON e.id = r.event_id
       LEFT JOIN ticket_schema.reservation_items ri ON ri.reservation_id = r.id
       LEFT JOIN ticket_schema.seats s ON s.id = ri.seat_id
      WHERE r.user_id = $1
      GROUP BY r.id, e.id
      ORDER BY r.created_at DESC`,
    [req.user.id],
  );
  res.json({ reservations: rows });
}));

// POST /api/reservations/:id/cancel
router.post('/:id/cancel', requireAuth, asyncHandler(async (req, res) => {
  const result = await db.withTransaction(async (client) => {
    const { rows } = await client.query(
      `UPDATE ticket_schema.reservations SET status = 'cancelled'
        WHERE id = $1 AND user_id = $2 AND status IN ('pending', 'confirmed')
        RETURNING id, event_id`,
      [req.params.id, req.user.id],
    );
    if (rows.length === 0) throw new AppError(404, 'RESERVATION_NOT_FOUND', 'Reservation not found or not cancellable');
    const { rows: items } = await client.query(
      'DELETE FROM ticket_schema.reservation_items WHERE reservation_id = $1 RETURNING seat_id',
      [req.params.id],
    );
    const seatIds = items.map((item) => item.seat_id);
    await client.query("UPDATE ticket_schema.seats SET status = 'available' WHERE id = ANY($1::int[])", [seatIds]);
    return { eventId: rows[0].event_id, seatIds };
  });
  broadcastSeats(req, result.eventId, result.seatIds, 'available');
  res.json({ id: req.params.id, status: 'cancelled' });
}));

module.exports = router;
