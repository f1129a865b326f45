import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // `npm run dev` runs wrangler dev beside vite; the API lives there.
    proxy: { '/api': `http://127.0.0.1:${process.env.PAWLENS_API_PORT ?? '8787'}` }
  }
});
