const { sendReport } = require('./lib/report');

module.exports = () => sendReport();
