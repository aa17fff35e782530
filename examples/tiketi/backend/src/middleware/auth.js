'use strict';

const jwt = require('jsonwebtoken');
const { AppError } = require('@tiketi/common');

const JWT_SECRET = process.env.JWT_SECRET || 'local-dev-jwt-secret-change-me';

// Tokens are issued by auth-service; the gateway only verifies them for the
// routes it serves itself (news, admin, images).
function requireAuth(req, res, next) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) return next(new AppError(401, 'UNAUTHORIZED', 'Login required'));
  try {
    req.user = jwt.verify(token, JWT_SECRET);
    return next();
  } catch (err) {
    return next(new AppError(401, 'INVALID_TOKEN', 'Invalid or expired token'));
  }
}

function requireAdmin(req, res, next) {
  requireAuth(req, res, (err) => {
    if (err) return next(err);
    if (req.user.role !== 'admin') return next(new AppError(403, 'FORBIDDEN', 'Admin only'));
    return next();
  });
}

module.exports = { requireAuth, requireAdmin };
