import { defineConfig, loadEnv } from 'vite';
import vue from '@vitejs/plugin-vue';

/**
 * Vite config of the web client. In dev (`vite`), socket.io and the HTTP API are
 * proxied to the signaling server so the page and the socket share one origin, as
 * they do in production where the server serves `dist/` itself.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_');
  const target = env.VITE_SERVER_URL || 'http://localhost:7070';
  return {
    plugins: [vue()],
    server: {
      proxy: {
        '/socket.io': { target, ws: true, changeOrigin: true },
        '/api': { target, changeOrigin: true },
        '/userlist': { target, changeOrigin: true },
        '/healthz': { target, changeOrigin: true },
      },
    },
    build: {
      target: 'es2022',
      // The first screen must stay small (≤ 60 KB gzip of initial JS); the
      // call view, socket.io and recording are split into lazy chunks by dynamic import.
      chunkSizeWarningLimit: 200,
    },
  };
});
