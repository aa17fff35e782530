// Serves the Vite build with an SPA fallback; the Ingress routes /api and /socket.io elsewhere.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

const PORT = Number(process.env.PORT ?? 8081);
const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');

const app = express();
app.disable('x-powered-by');

app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.use(express.static(DIST, { index: false, maxAge: '1h' }));
app.get('*', (req, res) => res.sendFile(path.join(DIST, 'index.html')));

app.listen(PORT, () => console.log(`web listening on :${PORT}`));
