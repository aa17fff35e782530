const express = require('express');
const jwt = require('jsonwebtoken');
const redisAdapter = require('socket.io-redis');

const PORT = process.env.PORT || 3005;
express().listen(PORT, () => console.log(jwt, redisAdapter));
