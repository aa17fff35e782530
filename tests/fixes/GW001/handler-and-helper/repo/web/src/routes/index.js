const { Router } = require('express');

// Every API prefix of the gateway, mounted under /api by server.js.
const router = Router();
router.use('/items', require('./items'));
router.use('/orders', require('./orders'));

module.exports = router;
