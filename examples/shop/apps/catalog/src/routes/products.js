'use strict';

const express = require('express');

const router = express.Router();

// A fixed assortment; the catalog is read-only for the storefront.
const PRODUCTS = [
  { id: 'p-100', name: 'Enamel mug', price: 1200, stock: 40 },
  { id: 'p-101', name: 'Linen tote bag', price: 2400, stock: 15 },
  { id: 'p-102', name: 'Notebook, dotted', price: 900, stock: 120 },
];

// GET /api/products?q=mug
router.get('/', (req, res) => {
  const q = String(req.query.q || '').toLowerCase();
  res.json({ products: PRODUCTS.filter((p) => p.name.toLowerCase().includes(q)) });
});

// GET /api/products/:id
router.get('/:id', (req, res) => {
  const product = PRODUCTS.find((p) => p.id === req.params.id);
  if (!product) return res.status(404).json({ error: 'PRODUCT_NOT_FOUND' });
  return res.json({ product });
});

module.exports = router;
