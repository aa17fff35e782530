'use strict';

const client = require('prom-client');

// One registry per process; services register their own metrics on it too.
const register = new client.Registry();
let initialised = false;

const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration in seconds',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.01, 0.05, 0.1, 0.3, 1, 3, 10],
  registers: [register],
});

function initMetrics(serviceName) {
  if (initialised) return register;
  register.setDefaultLabels({ service: serviceName });
  client.collectDefaultMetrics({ register });
  initialised = true;
  return register;
}

function httpMetrics() {
  return (req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${req.route.path}` : req.baseUrl || 'unmatched';
      end({ route, status: res.statusCode });
    });
    next();
  };
}

async function metricsHandler(req, res) {
  res.set('Content-Type', register.contentType);
  res.end(await register.metrics());
}

module.exports = { register, initMetrics, httpMetrics, metricsHandler };
