const express = require('express');
// the middleware was renamed in lib/auth.js
const { requireAuth, verifyToken } = require('./lib/auth');

const router = express.Router();
router.get('/me', requireAuth, verifyToken);
module.exports = router;
