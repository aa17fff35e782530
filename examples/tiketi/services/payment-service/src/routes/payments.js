'use strict';

const express = require('express');
const crypto = require('node:crypto');
const jwt = require('jsonwebtoken');
const { DatabaseError } = require('pg');
const { Counter } = require('prom-client');
const { AppError, asyncHandler, createLogger } = require('@tiketi/common');
const db = require('@tiketi/database');
const { register } = require('@tiketi/metrics');
const { confirmPayment } = require('../lib/toss');

const router = express.Router();
const logger = createLogger('payment-service');
const JWT_SECRET = process.env.JWT_SECRET || 'local-dev-jwt-secret-change-me';
const TICKET_SERVICE_URL = process.env.TICKET_SERVICE_URL || 'http://ticket-service:3002';

const confirmations = new Counter({
  name: 'tiketi_payment_confirmations_total',
  help: 'Toss payment confirmations by result',
  labelNames: ['result'],
  registers: [register],
});

function requireAuth(req, res, next) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) return next(new AppError(401, 'UNAUTHORIZED', 'Login required'));
  try {
    req.user = jwt.verify(token, JWT_SECRET);
    return next();
  } catch (err) {
    return next(new AppError(401, 'INVALID_TOKEN', 'Invalid or expired token'));
  }
}

async function ticketService(path, method = 'GET') {
  let response;
  try {
    response = await fetch(`${TICKET_SERVICE_URL}${path}`, { method, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new AppError(503, 'TICKET_SERVICE_UNAVAILABLE', 'ticket-service is not reachable');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new AppError(response.status, body.error || 'TICKET_SERVICE_ERROR', body.message || 'ticket-service error');
  return body;
}

// POST /api/payments/prepare  { reservationId }
// Creates the order the Toss widget is opened with.
router.post('/prepare', requireAuth, asyncHandler(async (req, res) => {
  const { reservationId } = req.body;
  if (!reservationId) throw new AppError(400, 'VALIDATION_ERROR', 'reservationId is required');

  const { reservation } = await ticketService(`/internal/reservations/${encodeURIComponent(reservationId)}`);
  if (String(reservation.user_id) !== String(req.user.id)) {
    throw new AppError(403, 'FORBIDDEN', 'Not your reservation');
  }
  if (reservation.status !== 'pending') {
    throw new AppError(409, 'RESERVATION_NOT_PENDING', 'Reservation is not waiting for payment');
  }

  const orderId = `TKT-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    await db.query(
      `INSERT INTO payment_schema.payments (order_id, reservation_id, user_id, amount, status)
       VALUES ($1, $2, $3, $4, 'ready')`,
      [orderId, reservationId, req.user.id, reservation.total_amount],
    );
  } catch (err) {
    if (err instanceof DatabaseError && err.code === '23505') {
      throw new AppError(409, 'PAYMENT_EXISTS', 'A payment for this reservation is already in progress');
    }
    throw err;
  }

  res.status(201).json({
    orderId,
    amount: reservation.total_amount,
    orderName: reservation.event_title,
    customerName: req.user.name,
    clientKey: process.env.TOSS_CLIENT_KEY,
  });
}));

// POST /api/payments/confirm  { paymentKey, orderId, amount }
// Called by the success page after Toss redirects back.
router.post('/confirm', requireAuth, asyncHandler(async (req, res) => {
  const { paymentKey, orderId, amount } = req.body;
  if (!paymentKey || !orderId || amount === undefined) {
    throw new AppError(400, 'VALIDATION_ERROR', 'paymentKey, orderId and amount are required');
  }
  const { rows } = await db.query(
    'SELECT order_id, reservation_id, user_id, amount, status FROM payment_schema.payments WHERE order_id = $1',
    [orderId],
  );
  const payment = rows[0];
  if (!payment || String(payment.user_id) !== String(req.user.id)) {
    throw new AppError(404, 'PAYMENT_NOT_FOUND', 'Payment not found');
  }
  if (Number(amount) !== payment.amount) {
    throw new AppError(400, 'AMOUNT_MISMATCH', 'Amount does not match the order');
  }
  if (payment.status === 'done') {
    return res.json({ orderId, status: 'done', reservationId: payment.reservation_id });
  }

  let toss;
  try {
    toss = await confirmPayment({ paymentKey, orderId, amount: payment.amount });
  } catch (err) {
    confirmations.inc({ result: 'failure' });
    await db.query("UPDATE payment_schema.payments SET status = 'failed' WHERE order_id = $1", [orderId]);
    throw err;
  }

  await db.query(
    `UPDATE payment_schema.payments
        SET status = 'done', payment_key = $2, method = $3, approved_at = $4
      WHERE order_id = $1`,
    [orderId, paymentKey, toss.method || null, toss.approvedAt || new Date().toISOString()],
  );
  await ticketService(`/internal/reservations/${encodeURIComponent(payment.reservation_id)}/confirm`, 'POST')
    .catch((err) => logger.error('payment done but reservation confirm failed', { orderId, error: err.message }));

  confirmations.inc({ result: 'success' });
  return res.json({
    orderId,
    status: 'done',
    method: toss.method,
    approvedAt: toss.approvedAt,
    reservationId: payment.reservation_id,
  });
}));

// GET /api/payments : payment history of the logged-in user
router.get('/', requireAuth, asyncHandler(async (req, res) => {
  const { rows } = await db.query(
    `SELECT order_id, reservation_id, amount, status, method, approved_at, created_at
       FROM payment_schema.payments
      WHERE user_id = $1
      ORDER BY created_at DESC`,
    [req.user.id],
  );
  res.json({ payments: rows });
}));

module.exports = router;
