'use strict';

// Forwards a request to a microservice with Node's global fetch:
// method, path and query string (req.originalUrl), JSON body and the
// Authorization header. The services mount the same /api/... paths.
function forward(baseUrl, { service, timeoutMs = 10000 } = {}) {
  const serviceName = service || new URL(baseUrl).hostname;

  return async function forwardRequest(req, res) {
    const target = new URL(req.originalUrl, baseUrl);
    const headers = { accept: 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    if (req.ip) headers['x-forwarded-for'] = req.ip;

    let body;
    if (!['GET', 'HEAD'].includes(req.method) && req.body && Object.keys(req.body).length > 0) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }

    let upstream;
    try {
      upstream = await fetch(target, {
        method: req.method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return res.status(503).json({
        error: 'SERVICE_UNAVAILABLE',
        service: serviceName,
        message: `${serviceName} is not reachable (${err.name === 'TimeoutError' ? 'timeout' : 'connection failed'})`,
      });
    }

    const contentType = upstream.headers.get('content-type');
    const payload = Buffer.from(await upstream.arrayBuffer());
    res.status(upstream.status);
    if (contentType) res.set('content-type', contentType);
    return res.send(payload);
  };
}

module.exports = { forward };
