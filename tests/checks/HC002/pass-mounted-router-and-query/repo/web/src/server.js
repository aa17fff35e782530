const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3001;
const express = require('express');

const app = express();
const health = express.Router();
health.get('/live', (req, res) => res.json({ status: 'ok' }));
health.route('/ready').get((req, res) => res.json({ status: 'ready', api: API_URL }));
app.use('/health', health);
app.listen(PORT);
