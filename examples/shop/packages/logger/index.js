'use strict';

// One JSON object per line on stdout, which is what the cluster's log collector expects.
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 };

function createLogger(service) {
  const threshold = LEVELS[process.env.LOG_LEVEL] || LEVELS.info;

  function write(level, message, fields) {
    if (LEVELS[level] < threshold) return;
    const line = { time: new Date().toISOString(), level, service, message, ...fields };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

module.exports = { createLogger };
