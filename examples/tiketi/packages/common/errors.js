'use strict';

class AppError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

// Wraps an async route handler so rejected promises reach the error handler.
const asyncHandler = (fn) => (req, res, next) => {
  Promise.resolve(fn(req, res, next)).catch(next);
};

function notFoundHandler(req, res) {
  res.status(404).json({
    error: 'NOT_FOUND',
    message: `No route for ${req.method} ${req.originalUrl}`,
  });
}

function errorHandler(logger) {
  // eslint-disable-next-line no-unused-vars
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = err.status || err.statusCode || 500;
    const known = err instanceof AppError;
    if (status >= 500) {
      logger.error(`${req.method} ${req.originalUrl} failed`, err);
    }
    return res.status(status).json({
      error: known ? err.code : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST',
      message: known || status < 500 ? err.message : 'Internal server error',
      ...(err.details ? { details: err.details } : {}),
    });
  };
}

module.exports = { AppError, asyncHandler, notFoundHandler, errorHandler };
