/**
 * Security headers: one definition for the app's pages and assets (written into build/web/_headers
 * at build time, see web/vite/security-headers.ts) and for the worker's own responses (/api/*).
 * Cross-origin isolation (COOP same-origin + COEP require-corp) makes `crossOriginIsolated` true
 * (SharedArrayBuffer, hence wasm threads, become possible); everything the app loads is same-origin.
 */
import type { MiddlewareHandler } from 'hono';

const COMMON = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The camera for the app itself; nothing else it does not use.
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()'
} as const;

/**
 * The pages' policy. Scripts: the app's own files plus SvelteKit's inline start-up script of each
 * page, allowed by hash (never 'unsafe-inline'); 'wasm-unsafe-eval' compiles tfjs's WebAssembly.
 * Styles allow inline style attributes, which Svelte sets. Photos are shown from blob: URLs and the
 * camera preview is a media stream. tfjs's threaded wasm starts its threads as workers from blob:
 * URLs, whose script then loads the wasm glue from another blob: (only script already running in
 * the page can make a blob: URL).
 */
export function appContentSecurityPolicy(inlineScriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' blob: ${inlineScriptHashes.map((h) => `'${h}'`).join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join('; ');
}

export function appHeaders(inlineScriptHashes: readonly string[]): Record<string, string> {
  return { 'Content-Security-Policy': appContentSecurityPolicy(inlineScriptHashes), ...COMMON };
}

/** The API returns data, never documents: it may load nothing and be framed nowhere. */
export const API_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  ...COMMON
};

// Typed without the worker's bindings: the app's build imports this module too.
export const apiSecurityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(API_HEADERS)) c.res.headers.set(name, value);
};
