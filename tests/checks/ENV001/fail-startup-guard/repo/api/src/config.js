if (!process.env.STRIPE_SECRET_KEY) {
  throw new Error('STRIPE_SECRET_KEY is required');
}

if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
  console.error('DATABASE_URL and REDIS_URL must be set');
  process.exit(1);
}

module.exports = { ready: true };
