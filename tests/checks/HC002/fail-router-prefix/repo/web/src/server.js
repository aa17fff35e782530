const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3001;
const express = require('express');
const health = require('./health');

const app = express();
app.use('/health', health);
app.get('/api/config', (req, res) => res.json({ api: API_URL }));
app.listen(PORT);
