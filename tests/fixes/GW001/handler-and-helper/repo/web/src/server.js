const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3001;
const express = require('express');
const apiRouter = require('./routes');

const app = express();
app.get('/health', (req, res) => res.json({ status: 'ok' }));
app.get('/health/ready', (req, res) => res.json({ status: 'ready', api: API_URL }));
app.use('/api', apiRouter);

app.listen(PORT);
