'use strict';

const { createLogger } = require('./logger');
const { AppError, asyncHandler, notFoundHandler, errorHandler } = require('./errors');

module.exports = {
  createLogger,
  AppError,
  asyncHandler,
  notFoundHandler,
  errorHandler,
};
