const express = require('express');
const { forward } = require('../lib/forward');

const router = express.Router();
const toApi = forward(process.env.API_URL || 'http://api:3005');

router.get('/', toApi);
router.get('/summary', toApi);
router.post('/checkout', toApi);

module.exports = router;
