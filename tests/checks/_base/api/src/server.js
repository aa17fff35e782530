const express = require('express');
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
const path = require('path');

const app = express();
const PORT = process.env.PORT || 3005;
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.listen(PORT, () => console.log(`api on ${PORT}`, jwt, crypto, path));
