'use strict';

const { createLogger } = require('@shop/logger');
const { createApp } = require('./app');

const log = createLogger('edge');
const PORT = Number(process.env.PORT) || 8080;

const server = createApp().listen(PORT, () => log.info(`edge listening on :${PORT}`));

process.on('SIGTERM', () => server.close(() => process.exit(0)));
