'use strict';

const express = require('express');
const { client } = require('../redis');
const { productPrice } = require('../catalog');

module.exports = function ordersRouter(io) {
  const router = express.Router();

  // GET /api/orders
  router.get('/', async (req, res, next) => {
    try {
      const ids = await client.lRange('orders', 0, 49);
      const orders = await Promise.all(ids.map((id) => client.hGetAll(`order:${id}`)));
      res.json({ orders });
    } catch (err) {
      next(err);
    }
  });

  // POST /api/orders: turns the session's cart into an order
  router.post('/', async (req, res, next) => {
    try {
      const session = req.get('x-session-id') || 'anonymous';
      const items = await client.hGetAll(`cart:${session}`);
      let total = 0;
      for (const [productId, quantity] of Object.entries(items)) {
        total += (await productPrice(productId)) * Number(quantity);
      }
      const id = `o-${Date.now()}`;
      await client.hSet(`order:${id}`, { id, session, total: String(total), status: 'placed' });
      await client.lPush('orders', id);
      await client.del(`cart:${session}`);
      io.to(session).emit('order-status', { id, status: 'placed' });
      res.status(201).json({ id, total });
    } catch (err) {
      next(err);
    }
  });

  return router;
};
