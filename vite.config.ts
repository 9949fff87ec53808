// Builds the renderer into dist/renderer, the one folder both hosts serve: Electron from
// app://bulkhead/ and the browser host from http://127.0.0.1:<port>/. Relative asset URLs
// (`base: './'`) make the same build work under both origins. The page's CSP allows no
// inline script or style and no data: URLs, so nothing may be inlined into the HTML.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const rendererRoot = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // SECURITY: the CSP (`default-src 'self'`) refuses data: URLs and inline code, so
    // every asset is emitted as a file and no polyfill script is inlined into the page.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    // One local bundle read from disk; splitting it would only add requests.
    chunkSizeWarningLimit: 1500,
  },
});
