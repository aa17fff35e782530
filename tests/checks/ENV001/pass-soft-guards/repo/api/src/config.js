if (!process.env.SENTRY_DSN_URL) {
  console.warn('error reporting is off');
}

if (!process.env.STRIPE_SECRET_KEY && process.env.NODE_ENV === 'production') {
  throw new Error('STRIPE_SECRET_KEY is required in production');
}

if (process.env.FEATURE_FLAGS === 'strict') {
  throw new Error('strict mode is not supported');
}

module.exports = { ready: true };
