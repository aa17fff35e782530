const express = require('express');
const cors = require('cors');

const app = express();
app.use(cors({ origin: ['http://localhost:3000', 'http://localhost:5173'], credentials: true }));
module.exports = app;
