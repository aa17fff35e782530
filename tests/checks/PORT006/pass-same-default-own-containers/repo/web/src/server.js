const API_URL = process.env.API_URL || 'http://api:3005';
const PORT = process.env.PORT || 3005;
module.exports = { API_URL, PORT };
