'use strict';

// Toss Payments server API. The browser SDK (require('@tosspayments/payment-sdk')
// in some examples) is loaded by the frontend only; here we call REST with fetch.
const { AppError } = require('@tiketi/common');

const TOSS_API_URL = process.env.TOSS_API_URL || 'https://api.tosspayments.com';

function authorization() {
  const secretKey = process.env.TOSS_SECRET_KEY;
  if (!secretKey) throw new AppError(503, 'TOSS_NOT_CONFIGURED', 'TOSS_SECRET_KEY is not set');
  return `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
}

// POST /v1/payments/confirm : final approval after the customer paid in the widget
async function confirmPayment({ paymentKey, orderId, amount }) {
  let response;
  try {
    response = await fetch(`${TOSS_API_URL}/v1/payments/confirm`, {
      method: 'POST',
      headers: { authorization: authorization(), 'content-type': 'application/json' },
      body: JSON.stringify({ paymentKey, orderId, amount }),
      signal: AbortSignal.timeout(15000),
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(502, 'TOSS_UNREACHABLE', 'Toss Payments API is not reachable');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new AppError(400, body.code || 'TOSS_CONFIRM_FAILED', body.message || 'Payment approval failed');
  }
  return body;
}

module.exports = { confirmPayment };
