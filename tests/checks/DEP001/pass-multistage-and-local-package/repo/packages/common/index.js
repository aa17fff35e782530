module.exports = { logger: console };
