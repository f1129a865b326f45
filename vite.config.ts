import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vite';
import { securityHeaders } from './web/vite/security-headers.ts';
import { shippedModel } from './web/vite/shipped-model.ts';

export default defineConfig({
  plugins: [
    sveltekit(),
    // PAWLENS_MODEL_DIR ships another model folder (e.g. a fresh training run) instead of model/.
    shippedModel(process.env.PAWLENS_MODEL_DIR ?? 'model'),
    // CSP (with the hashes of SvelteKit's inline scripts), nosniff, COOP/COEP ... as build/web/_headers.
    securityHeaders('build/web'),
    SvelteKitPWA({
      strategies: 'injectManifest',
      srcDir: 'web/src',
      filename: 'service-worker.ts',
      // Registered by web/src/lib/sw/register.ts with workbox-window; updates wait for the user.
      injectRegister: false,
      // Precache the SPA fallback too: the service worker answers unknown navigations with it offline.
      kit: { adapterFallback: '200.html', spa: true },
      registerType: 'prompt',
      manifest: {
        id: '/',
        name: 'Pawlens: cat or dog?',
        short_name: 'Pawlens',
        description: 'Tells cats from dogs on your device. Photos never leave it.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#1d3557',
        background_color: '#f7f4ee',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ],
        // "Share" a photo to Pawlens from the gallery; the service worker takes the POST (web/src/lib/share.ts).
        share_target: {
          action: '/share',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: { files: [{ name: 'photo', accept: ['image/*', '.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif'] }] }
        },
        // "Open with Pawlens" for image files, where the browser supports file handlers.
        file_handlers: [
          {
            action: '/',
            accept: { 'image/jpeg': ['.jpg', '.jpeg'], 'image/png': ['.png'], 'image/webp': ['.webp'], 'image/gif': ['.gif'], 'image/avif': ['.avif'] }
          }
        ],
        launch_handler: { client_mode: 'focus-existing' }
      },
      injectManifest: {
        // The shell: pages, JS (tfjs included, so classifying works offline), CSS, icons and the
        // tfjs wasm binaries. Model files are not precached: they are cached per version at runtime.
        globPatterns: ['client/**/*.{js,css,png,svg,webmanifest,wasm}', 'prerendered/**/*.html'],
        // /review (for maintainers) is not part of the shell; offline it still opens through the SPA fallback.
        globIgnores: ['client/model/**', 'prerendered/**/review.html'],
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024
      }
    })
  ],
  // The classifier is a module worker that loads TensorFlow.js with a dynamic import. Its bundle drops
  // legal comments as the page's bundle does (tfjs repeats its licence header in every module: 0.8 MB).
  worker: { format: 'es', rolldownOptions: { output: { comments: { legal: false } } } },
  server: {
    // `npm run dev` runs wrangler dev beside vite; the API lives there.
    proxy: { '/api': `http://127.0.0.1:${process.env.PAWLENS_API_PORT ?? '8787'}` }
  }
});
