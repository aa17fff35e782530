const express = require('express');
const jwt = require('jsonwebtoken');
const { PORT = 3005, HOST = '0.0.0.0' } = process.env;
express().listen(PORT, HOST, () => console.log(jwt));
