'use strict';

// Where the edge forwards to. Cluster DNS names by default; docker compose and the
// ConfigMap set the same names, .env.example points at localhost for `npm run dev`.
module.exports = {
  catalog: process.env.CATALOG_URL || 'http://catalog:4001',
  orders: process.env.ORDERS_URL || 'http://orders:4002',
};
