// Passes the request on unchanged: method, full path (req.originalUrl) and JSON body.
function forward(baseUrl) {
  return async (req, res) => {
    const upstream = await fetch(new URL(req.originalUrl, baseUrl), {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: ['GET', 'HEAD'].includes(req.method) ? undefined : JSON.stringify(req.body),
    });
    res.status(upstream.status).send(await upstream.text());
  };
}

module.exports = { forward };
