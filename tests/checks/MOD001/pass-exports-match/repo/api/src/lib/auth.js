function requireAuth(req, res, next) { next(); }
module.exports = { requireAuth, sign: (u) => u, verify(u) { return u; } };
