const express = require('express');
const jwt = require('jsonwebtoken');
const { logger } = require('@mini/common');

const PORT = process.env.PORT || 3005;
express().listen(PORT, () => logger.info(jwt));
