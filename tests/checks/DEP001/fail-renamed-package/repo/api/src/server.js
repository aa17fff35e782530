const express = require('express');
const jwt = require('jsonwebtoken');
const { createAdapter } = require('@socket.io/redis-adapter');

const app = express();
const PORT = process.env.PORT || 3005;
app.listen(PORT, () => console.log(jwt, createAdapter));
