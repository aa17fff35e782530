const jwt = require('jsonwebtoken');

exports.requireAuth = (req, res, next) => next();
exports.sign = (user) => jwt.sign(user, 'x');
