const express = require('express');
const jwt = require('jsonwebtoken');
const cors = require('cors');
const morgan = require('morgan');

const PORT = process.env.PORT || 3005;
express().use(cors()).use(morgan('dev')).listen(PORT, () => console.log(jwt));
