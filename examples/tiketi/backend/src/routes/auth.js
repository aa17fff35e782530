'use strict';

const express = require('express');
const { forward } = require('../lib/proxy');

const router = express.Router();
const AUTH_SERVICE_URL = process.env.AUTH_SERVICE_URL || 'http://auth-service:3005';

// /api/auth/* -> auth-service (login, register, Google sign-in)
router.all('/*', forward(AUTH_SERVICE_URL, { service: 'auth-service' }));

module.exports = router;
