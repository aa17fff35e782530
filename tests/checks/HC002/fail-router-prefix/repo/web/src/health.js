const { Router } = require('express');

const router = Router();
router.get('/live', (req, res) => res.json({ status: 'ok' }));
router.get('/ready', (req, res) => res.json({ status: 'ready' }));

module.exports = router;
