'use strict';

// /api/orders/* is served by api: the frontend calls GET /api/orders/summary, POST /api/orders/:param/pay.
// Forwards method, path, query string, JSON body and the Authorization header; answers 503
// with a JSON body when api cannot be reached or does not answer in time.
const express = require('express');
const axios = require('axios');

const router = express.Router();
const API_URL = process.env.API_URL || 'http://api:3005';
const TIMEOUT_MS = Number(process.env.UPSTREAM_TIMEOUT_MS) || 10000;

router.all('/*', async (req, res) => {
  try {
    const upstream = await axios.request({
      method: req.method,
      url: new URL(req.originalUrl, API_URL).toString(),
      data: req.body,
      headers: {
        accept: 'application/json',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      },
      timeout: TIMEOUT_MS,
      validateStatus: () => true,
    });
    res.status(upstream.status).send(upstream.data);
  } catch (err) {
    res.status(503).json({
      error: 'service_unavailable',
      service: 'api',
      message: `api did not answer: ${err.code || err.message}`,
    });
  }
});

module.exports = router;
