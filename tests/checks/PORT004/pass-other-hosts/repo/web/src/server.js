const API_URL = process.env.API_URL || `http://api:${process.env.API_PORT || 3005}`;
const DOCS = 'https://example.com:8443/docs';
const PORT = process.env.PORT || 3001;
module.exports = { API_URL, DOCS, PORT };
