/** Runs `fn` when the page is idle (or after `timeoutMs` at the latest); returns a cancel function. */
export function whenIdle(fn: () => void, timeoutMs = 2000): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(fn, { timeout: timeoutMs });
    return () => cancelIdleCallback(id);
  }
  // Safari has no requestIdleCallback: after the load event's work is done.
  const id = setTimeout(fn, 200);
  return () => clearTimeout(id);
}
