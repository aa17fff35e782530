import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev`: the browser calls /api on the dev server, which forwards to a local edge.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/socket.io': { target: 'ws://localhost:4002', ws: true },
    },
  },
});
