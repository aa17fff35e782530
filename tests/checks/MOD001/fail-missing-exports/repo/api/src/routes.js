const express = require('express');
const { requireAuth, verifyToken } = require('./lib/auth');

const router = express.Router();
router.get('/me', requireAuth, verifyToken);
module.exports = router;
