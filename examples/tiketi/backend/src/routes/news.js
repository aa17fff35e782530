'use strict';

const express = require('express');
const { AppError, asyncHandler } = require('@tiketi/common');
const db = require('../config/database');
const { requireAdmin } = require('../middleware/auth');

const router = express.Router();

// GET /api/news?page=1&limit=10
router.get('/', asyncHandler(async (req, res) => {
  const limit = Math.min(Number(req.query.limit) || 10, 50);
  const page = Math.max(Number(req.query.page) || 1, 1);
  const { rows } = await db.query(
    `SELECT id, title, summary, image_url, author, created_at
       FROM news
      ORDER BY created_at DESC
      LIMIT $1 OFFSET $2`,
    [limit, (page - 1) * limit],
  );
  res.json({ news: rows, page, limit });
}));

// GET /api/news/:id
router.get('/:id', asyncHandler(async (req, res) => {
  const { rows } = await db.query(
    'SELECT id, title, summary, content, image_url, author, views, created_at FROM news WHERE id = $1',
    [req.params.id],
  );
  if (rows.length === 0) throw new AppError(404, 'NEWS_NOT_FOUND', 'News not found');
  await db.query('UPDATE news SET views = views + 1 WHERE id = $1', [req.params.id]);
  res.json({ news: rows[0] });
}));

// POST /api/news (admin)
router.post('/', requireAdmin, asyncHandler(async (req, res) => {
  const { title, summary, content, imageUrl } = req.body;
  if (!title || !content) throw new AppError(400, 'VALIDATION_ERROR', 'title and content are required');
  const { rows } = await db.query(
    `INSERT INTO news (title, summary, content, image_url, author)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING id, title, summary, content, image_url, author, created_at`,
    [title, summary || null, content, imageUrl || null, req.user.name || req.user.email],
  );
  res.status(201).json({ news: rows[0] });
}));

// DELETE /api/news/:id (admin)
router.delete('/:id', requireAdmin, asyncHandler(async (req, res) => {
  const { rowCount } = await db.query('DELETE FROM news WHERE id = $1', [req.params.id]);
  if (rowCount === 0) throw new AppError(404, 'NEWS_NOT_FOUND', 'News not found');
  res.status(204).end();
}));

module.exports = router;
