'use strict';

const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const { createLogger } = require('@shop/logger');
const upstreams = require('./upstreams');

const log = createLogger('edge');

// The services mount the same /api/... paths, so the full path is forwarded unchanged.
function proxyTo(target) {
  return createProxyMiddleware({
    target,
    changeOrigin: true,
    proxyTimeout: 10000,
    onError(err, req, res) {
      log.warn('upstream failed', { target, path: req.originalUrl, code: err.code });
      res.status(503).json({ error: 'UPSTREAM_UNAVAILABLE', target });
    },
  });
}

function createApp() {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
  app.get('/readyz', (req, res) => res.json({ status: 'ready', upstreams: Object.keys(upstreams) }));

  app.use('/api/products', proxyTo(upstreams.catalog));
  app.use('/api/orders', proxyTo(upstreams.orders));

  app.use((req, res) => res.status(404).json({ error: 'NOT_FOUND', path: req.path }));
  return app;
}

module.exports = { createApp };
