const express = require('express');
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
const path = require('path');

const app = express();
const PORT = process.env.PORT || 3005;
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready' }));
app.get('/api/items', (req, res) => res.json({ items: [] }));
app.get('/api/items/:id', (req, res) => res.json({ id: req.params.id }));
app.listen(PORT, () => console.log(`api on ${PORT}`, jwt, crypto, path));
