'use strict';

const express = require('express');
const multer = require('multer');
const path = require('node:path');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { AppError, createLogger } = require('@tiketi/common');
const { requireAdmin } = require('../middleware/auth');

const logger = createLogger('backend');
const router = express.Router();
const UPLOAD_DIR = path.join(__dirname, '..', '..', 'uploads');
const ALLOWED = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

if (process.env.UPLOAD_DRIVER === 's3') {
  logger.warn("UPLOAD_DRIVER=s3 requested but require('@aws-sdk/client-s3') is not part of the local build; storing uploads on disk");
}

const storage = multer.diskStorage({
  destination: (req, file, cb) => {
    fs.mkdir(UPLOAD_DIR, { recursive: true }, (err) => cb(err, UPLOAD_DIR));
  },
  filename: (req, file, cb) => {
    cb(null, `${Date.now()}-${crypto.randomBytes(6).toString('hex')}${path.extname(file.originalname).toLowerCase()}`);
  },
});

const upload = multer({
  storage,
  limits: { fileSize: 5 * 1024 * 1024 },
  fileFilter: (req, file, cb) => {
    if (ALLOWED.has(file.mimetype)) return cb(null, true);
    return cb(new AppError(400, 'INVALID_FILE_TYPE', 'Only jpeg, png, webp and gif images are allowed'));
  },
});

// POST /api/images/upload (multipart field "image", admin)
router.post('/upload', requireAdmin, upload.single('image'), (req, res, next) => {
  if (!req.file) return next(new AppError(400, 'NO_FILE', 'Field "image" is required'));
  return res.status(201).json({
    url: `/uploads/${req.file.filename}`,
    size: req.file.size,
    mimeType: req.file.mimetype,
  });
});

module.exports = router;
