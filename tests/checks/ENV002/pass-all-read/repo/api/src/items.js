module.exports = { pageSize: Number(process.env.ITEMS_PAGE_SIZE || 20), file: process.env['DB_PASSWORD_FILE'] };
