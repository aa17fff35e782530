const ms = require('ms');

module.exports = { timeout: ms('2s') };
