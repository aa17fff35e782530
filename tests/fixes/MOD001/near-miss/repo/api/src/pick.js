const { getItem } = require('./lib/store');

module.exports = () => getItem();
