const express = require('express');
const { forward } = require('../lib/forward');
const { API_URL } = require('../config');

const router = express.Router();
router.all('/*', forward(API_URL));

module.exports = router;
