'use strict';

const express = require('express');
const { AppError, asyncHandler } = require('@tiketi/common');
const { createRedisClient } = require('../redis');
const { requireAuth } = require('../middleware/auth');

const router = express.Router();
const ACTIVE_LIMIT = Number(process.env.QUEUE_ACTIVE_LIMIT || 100);

// Fail fast instead of queueing commands while Dragonfly is down.
const redis = createRedisClient('queue', { maxRetriesPerRequest: 1, enableOfflineQueue: false });

const queueKey = (eventId) => `queue:event:${eventId}`;

async function position(eventId, userId) {
  try {
    const rank = await redis.zrank(queueKey(eventId), String(userId));
    const size = await redis.zcard(queueKey(eventId));
    return { rank, size };
  } catch (err) {
    throw new AppError(503, 'QUEUE_UNAVAILABLE', 'Waiting queue is temporarily unavailable');
  }
}

function describe(eventId, rank, size) {
  if (rank === null) return { eventId, inQueue: false };
  return {
    eventId,
    inQueue: true,
    position: rank + 1,
    queueSize: size,
    canEnter: rank < ACTIVE_LIMIT,
  };
}

// POST /api/queue/:eventId/join
router.post('/:eventId/join', requireAuth, asyncHandler(async (req, res) => {
  const { eventId } = req.params;
  try {
    // NX keeps the original position when the user clicks "join" again
    await redis.zadd(queueKey(eventId), 'NX', Date.now(), String(req.user.id));
  } catch (err) {
    throw new AppError(503, 'QUEUE_UNAVAILABLE', 'Waiting queue is temporarily unavailable');
  }
  const { rank, size } = await position(eventId, req.user.id);
  res.status(201).json(describe(eventId, rank, size));
}));

// GET /api/queue/:eventId/status
router.get('/:eventId/status', requireAuth, asyncHandler(async (req, res) => {
  const { rank, size } = await position(req.params.eventId, req.user.id);
  res.json(describe(req.params.eventId, rank, size));
}));

module.exports = router;
