/** Model file URLs are immutable (versioned or content-addressed), so they can be cached forever. */
export const MODEL_CACHE = 'pawlens-models-v1';

/** Published: /api/models/<version>/<file>. Shipped: /model/<file>?sha256=<hex>. */
export function isImmutableModelUrl(url: URL): boolean {
  return (
    /^\/api\/models\/[^/]+\/[^/]+$/.test(url.pathname) ||
    (url.pathname.startsWith('/model/') && /^[0-9a-f]{64}$/.test(url.searchParams.get('sha256') ?? ''))
  );
}
