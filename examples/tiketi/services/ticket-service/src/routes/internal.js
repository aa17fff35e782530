'use strict';

// Service-to-service endpoints (payment-service). Not routed by the gateway.
const express = require('express');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('@tiketi/database');

const router = express.Router();

// GET /internal/reservations/:id
router.get('/reservations/:id', asyncHandler(async (req, res) => {
  const { rows } = await db.query(
    `SELECT r.id, r.user_id, r.status, r.total_amount, r.expires_at, e.title AS event_title
       FROM ticket_schema.reservations r
       JOIN ticket_schema.events e ON e.id = r.event_id
      WHERE r.id = $1`,
    [req.params.id],
  );
  if (rows.length === 0) throw new AppError(404, 'RESERVATION_NOT_FOUND', 'Reservation not found');
  res.json({ reservation: rows[0] });
}));

// POST /internal/reservations/:id/confirm : called after a successful payment
router.post('/reservations/:id/confirm', asyncHandler(async (req, res) => {
  const result = await db.withTransaction(async (client) => {
    const { rows } = await client.query(
      `UPDATE ticket_schema.reservations SET status = 'confirmed', expires_at = NULL
        WHERE id = $1 AND status = 'pending'
        RETURNING id, event_id`,
      [req.params.id],
    );
    if (rows.length === 0) throw new AppError(409, 'RESERVATION_NOT_PENDING', 'Reservation is not pending');
    const { rows: seats } = await client.query(
      `UPDATE ticket_schema.seats SET status = 'sold'
        WHERE id IN (SELECT seat_id FROM ticket_schema.reservation_items WHERE reservation_id = $1)
        RETURNING id`,
      [req.params.id],
    );
    return { eventId: rows[0].event_id, seatIds: seats.map((seat) => seat.id) };
  });
  const io = req.app.get('io');
  if (io) io.to(`event:${result.eventId}`).emit('seats-updated', { ...result, status: 'sold' });
  res.json({ id: req.params.id, status: 'confirmed' });
}));

module.exports = router;
