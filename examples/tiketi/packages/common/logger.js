'use strict';

// Minimal structured logger: one JSON object per line, which is what
// `kubectl logs` and promtail/loki handle best.
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 };

function createLogger(service) {
  const minLevel = LEVELS[process.env.LOG_LEVEL] || LEVELS.info;

  function write(level, message, meta) {
    if (LEVELS[level] < minLevel) return;
    const entry = { time: new Date().toISOString(), level, service, message };
    if (meta instanceof Error) {
      entry.error = meta.message;
      entry.stack = meta.stack;
    } else if (meta && typeof meta === 'object') {
      Object.assign(entry, meta);
    }
    const stream = LEVELS[level] >= LEVELS.warn ? process.stderr : process.stdout;
    stream.write(`${JSON.stringify(entry)}\n`);
  }

  return {
    debug: (message, meta) => write('debug', message, meta),
    info: (message, meta) => write('info', message, meta),
    warn: (message, meta) => write('warn', message, meta),
    error: (message, meta) => write('error', message, meta),
  };
}

module.exports = { createLogger };
