'use strict';

const express = require('express');
const { client } = require('../redis');
const { productPrice } = require('../catalog');

const router = express.Router();
const cartKey = (req) => `cart:${req.get('x-session-id') || 'anonymous'}`;

// GET /api/carts/current
router.get('/current', async (req, res, next) => {
  try {
    const items = await client.hGetAll(cartKey(req));
    res.json({ items: Object.entries(items).map(([productId, quantity]) => ({ productId, quantity: Number(quantity) })) });
  } catch (err) {
    next(err);
  }
});

// POST /api/carts/current/items { productId, quantity }
router.post('/current/items', async (req, res, next) => {
  try {
    const { productId, quantity = 1 } = req.body;
    await productPrice(productId); // 404s early for unknown products
    await client.hIncrBy(cartKey(req), productId, Number(quantity));
    res.status(201).json({ productId, quantity });
  } catch (err) {
    next(err);
  }
});

module.exports = router;
