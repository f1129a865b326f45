/**
 * Runs `fn` once the page's main thread is idle (or `timeoutMs` at the latest); returns a cancel
 * function. What it starts must not need the main thread much: the classifier's worker fetches,
 * compiles and loads on its own thread, so it need not wait for the first paint.
 */
export function whenIdle(fn: () => void, timeoutMs = 2000): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(fn, { timeout: timeoutMs });
    return () => cancelIdleCallback(id);
  }
  // Safari has no requestIdleCallback.
  const id = setTimeout(fn, 200);
  return () => clearTimeout(id);
}
