// A static PWA: every page is prerendered; the worker serves build/web.
export const prerender = true;
export const ssr = true;
