'use strict';

const jwt = require('jsonwebtoken');
const TokenExpiredError = require('jsonwebtoken/lib/TokenExpiredError');
const { AppError } = require('@tiketi/common');

const JWT_SECRET = process.env.JWT_SECRET || 'local-dev-jwt-secret-change-me';

function requireAuth(req, res, next) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) return next(new AppError(401, 'UNAUTHORIZED', 'Login required'));
  try {
    req.user = jwt.verify(token, JWT_SECRET);
    return next();
  } catch (err) {
    if (err instanceof TokenExpiredError) {
      return next(new AppError(401, 'TOKEN_EXPIRED', 'Session expired, please log in again'));
    }
    return next(new AppError(401, 'INVALID_TOKEN', 'Invalid token'));
  }
}

module.exports = { requireAuth };
