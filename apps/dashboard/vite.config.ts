import { defineConfig } from 'vite';

/**
 * The dashboard build: one HTML page plus hashed JS/CSS under /assets, no inline scripts (the
 * API's CSP allows scripts from 'self' only) and nothing fetched from a CDN at run time.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The module-preload polyfill would be fine (it is bundled, not inline), but every browser we target has it.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
});
