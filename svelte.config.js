import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    files: { src: 'web/src', assets: 'web/static' },
    adapter: adapter({ pages: 'build/web', assets: 'build/web', fallback: '200.html' }),
    // The service worker is registered by workbox-window (see web/src/lib/sw), not by SvelteKit.
    serviceWorker: { register: false },
    // The pages' CSS (a few KB) goes into the HTML: no stylesheet request stands before the first paint.
    inlineStyleThreshold: 16384,
    alias: { $edge: 'edge/src' }
  }
};

export default config;
