const express = require('express');
// the middleware was renamed in lib/auth.js
const { requireAuth, verifyTokens: verifyToken } = require('./lib/auth');

const router = express.Router();
router.get('/me', requireAuth, verifyToken);
module.exports = router;
