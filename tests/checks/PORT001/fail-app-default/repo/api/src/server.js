const express = require('express');
const jwt = require('jsonwebtoken');
const PORT = parseInt(process.env.PORT, 10) || 3002;
express().listen(PORT, () => console.log(jwt));
