module.exports = { pageSize: Number(process.env.ITEMS_PAGE_SIZE || 20), ttl: process.env.ITEMS_CACHE_TTL || '60' };
