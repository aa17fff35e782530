const express = require('express');
const { forward } = require('../lib/forward');

const router = express.Router();
const ORDERS_URL = process.env.API_URL || 'http://api:3005';
const toApi = forward(ORDERS_URL);

router.get('/', toApi);
router.route('/:id').get(toApi).delete(toApi);

module.exports = router;
