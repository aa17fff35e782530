'use strict';

const express = require('express');
const bcrypt = require('bcrypt');
const jwt = require('jsonwebtoken');
const { OAuth2Client } = require('google-auth-library');
const { DatabaseError } = require('pg');
const { Counter } = require('prom-client');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('@tiketi/database');
const { register } = require('@tiketi/metrics');

const router = express.Router();

const JWT_SECRET = process.env.JWT_SECRET || 'local-dev-jwt-secret-change-me';
const JWT_EXPIRES_IN = process.env.JWT_EXPIRES_IN || '7d';
const GOOGLE_CLIENT_ID = process.env.GOOGLE_CLIENT_ID;
const SALT_ROUNDS = 10;

const logins = new Counter({
  name: 'tiketi_auth_logins_total',
  help: 'Login attempts by method and result',
  labelNames: ['method', 'result'],
  registers: [register],
});

// Google sign-in verifies the ID token sent by the browser (Google Identity
// Services). The earlier redirect flow built on require('passport') and
// passport-google-oauth20 was removed together with server-side sessions.
let googleClient;
function getGoogleClient() {
  if (!GOOGLE_CLIENT_ID) {
    throw new AppError(503, 'GOOGLE_NOT_CONFIGURED', 'Google sign-in is not configured (GOOGLE_CLIENT_ID)');
  }
  if (!googleClient) googleClient = new OAuth2Client(GOOGLE_CLIENT_ID);
  return googleClient;
}

function issueToken(user) {
  return jwt.sign(
    { id: user.id, email: user.email, name: user.name, role: user.role },
    JWT_SECRET,
    { expiresIn: JWT_EXPIRES_IN },
  );
}

function publicUser(user) {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

// POST /api/auth/register
router.post('/register', asyncHandler(async (req, res) => {
  const { email, password, name } = req.body;
  if (!email || !password || !name) {
    throw new AppError(400, 'VALIDATION_ERROR', 'email, password and name are required');
  }
  if (password.length < 8) {
    throw new AppError(400, 'VALIDATION_ERROR', 'password must be at least 8 characters');
  }
  const passwordHash = await bcrypt.hash(password, SALT_ROUNDS);
  try {
    const { rows } = await db.query(
      `INSERT INTO auth_schema.users (email, password_hash, name)
       VALUES ($1, $2, $3)
       RETURNING id, email, name, role`,
      [email.toLowerCase(), passwordHash, name],
    );
    res.status(201).json({ token: issueToken(rows[0]), user: publicUser(rows[0]) });
  } catch (err) {
    if (err instanceof DatabaseError && err.code === '23505') {
      throw new AppError(409, 'EMAIL_TAKEN', 'This email is already registered');
    }
    throw err;
  }
}));

// POST /api/auth/login
router.post('/login', asyncHandler(async (req, res) => {
  const { email, password } = req.body;
  if (!email || !password) throw new AppError(400, 'VALIDATION_ERROR', 'email and password are required');
  const { rows } = await db.query(
    'SELECT id, email, name, role, password_hash FROM auth_schema.users WHERE email = $1',
    [email.toLowerCase()],
  );
  const user = rows[0];
  const ok = user && user.password_hash && (await bcrypt.compare(password, user.password_hash));
  if (!ok) {
    logins.inc({ method: 'password', result: 'failure' });
    throw new AppError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
  }
  logins.inc({ method: 'password', result: 'success' });
  res.json({ token: issueToken(user), user: publicUser(user) });
}));

// POST /api/auth/google  { credential: <Google ID token> }
router.post('/google', asyncHandler(async (req, res) => {
  const { credential } = req.body;
  if (!credential) throw new AppError(400, 'VALIDATION_ERROR', 'credential is required');
  let payload;
  try {
    const ticket = await getGoogleClient().verifyIdToken({ idToken: credential, audience: GOOGLE_CLIENT_ID });
    payload = ticket.getPayload();
  } catch (err) {
    if (err instanceof AppError) throw err;
    logins.inc({ method: 'google', result: 'failure' });
    throw new AppError(401, 'INVALID_GOOGLE_TOKEN', 'Google token could not be verified');
  }
  const { rows } = await db.query(
    `INSERT INTO auth_schema.users (email, name, google_id)
     VALUES ($1, $2, $3)
     ON CONFLICT (email) DO UPDATE SET google_id = EXCLUDED.google_id
     RETURNING id, email, name, role`,
    [payload.email.toLowerCase(), payload.name || payload.email, payload.sub],
  );
  logins.inc({ method: 'google', result: 'success' });
  res.json({ token: issueToken(rows[0]), user: publicUser(rows[0]) });
}));

// GET /api/auth/me
router.get('/me', asyncHandler(async (req, res) => {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) throw new AppError(401, 'UNAUTHORIZED', 'Login required');
  let claims;
  try {
    claims = jwt.verify(token, JWT_SECRET);
  } catch (err) {
    throw new AppError(401, 'INVALID_TOKEN', 'Invalid or expired token');
  }
  const { rows } = await db.query('SELECT id, email, name, role FROM auth_schema.users WHERE id = $1', [claims.id]);
  if (rows.length === 0) throw new AppError(404, 'USER_NOT_FOUND', 'User not found');
  res.json({ user: publicUser(rows[0]) });
}));

module.exports = router;
