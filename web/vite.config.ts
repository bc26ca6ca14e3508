import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The gateway serves dist/ at `/` and the API under `/api`, so the built app
// calls the API on its own origin. `npm run dev` proxies to a running gateway.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': process.env.STUDYSPOT_GATEWAY ?? 'http://127.0.0.1:3000' },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
