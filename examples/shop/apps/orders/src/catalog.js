'use strict';

const CATALOG_URL = process.env.CATALOG_URL || 'http://catalog:4001';

// Prices always come from the catalog, never from the browser.
async function productPrice(productId) {
  const res = await fetch(`${CATALOG_URL}/api/products/${encodeURIComponent(productId)}`, {
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) {
    const err = new Error(`catalog answered ${res.status} for ${productId}`);
    err.status = res.status === 404 ? 400 : 502;
    throw err;
  }
  const { product } = await res.json();
  return product.price;
}

module.exports = { productPrice };
