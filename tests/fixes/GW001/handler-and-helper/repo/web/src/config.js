module.exports = {
  API_URL: process.env.API_URL || 'http://api:3005',
};
