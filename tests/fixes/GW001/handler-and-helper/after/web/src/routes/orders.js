const express = require('express');
const { forward } = require('../lib/forward');

const router = express.Router();
const ORDERS_URL = process.env.API_URL || 'http://api:3005';
const toApi = forward(ORDERS_URL);

router.get('/', toApi);
router.route('/:id').get(toApi).delete(toApi);

// POST /api/orders/confirm -> api (called by ui/src/pages/Checkout.js:8)
router.post('/confirm', toApi);

// POST /api/orders/:param/pay -> api (called by ui/src/pages/Checkout.js:9)
router.post('/:param/pay', toApi);

module.exports = router;
