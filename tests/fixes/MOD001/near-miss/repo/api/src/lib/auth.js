function requireAuth(req, res, next) { next(); }
function verifyTokens(req, res, next) { next(); }

module.exports = { requireAuth, verifyTokens };
