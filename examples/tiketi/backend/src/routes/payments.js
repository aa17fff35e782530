'use strict';

const express = require('express');
const { forward } = require('../lib/proxy');

const router = express.Router();
const PAYMENT_SERVICE_URL = process.env.PAYMENT_SERVICE_URL || 'http://payment-service:3003';

const toPaymentService = forward(PAYMENT_SERVICE_URL, { service: 'payment-service' });

// GET /api/payments -> payment history of the logged-in user
router.get('/', toPaymentService);

module.exports = router;
