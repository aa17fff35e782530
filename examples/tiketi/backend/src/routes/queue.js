'use strict';

const express = require('express');
const { forward } = require('../lib/proxy');

const router = express.Router();
const TICKET_SERVICE_URL = process.env.TICKET_SERVICE_URL || 'http://ticket-service:3002';

// /api/queue/* -> ticket-service (waiting queue)
router.all('/*', forward(TICKET_SERVICE_URL, { service: 'ticket-service' }));

module.exports = router;
