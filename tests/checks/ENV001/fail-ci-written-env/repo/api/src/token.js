const jwt = require('jsonwebtoken');
const KEY = process.env.SIGNING_KEY;
module.exports = (payload) => jwt.sign(payload, KEY);
