const jwt = require('jsonwebtoken');

// signs the session token
module.exports = (payload) => jwt.sign(payload, process.env.SIGNING_KEY, { expiresIn: '1h' });
