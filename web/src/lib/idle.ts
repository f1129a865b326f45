/**
 * Runs `fn` once the page has loaded, shown its content and is then idle (or `timeoutMs` after that
 * at the latest); returns a cancel function. Idle alone is not enough: on a busy device the page can
 * be idle before it has painted all it shows, and work started then pushes those paints back.
 */
export function whenIdle(fn: () => void, timeoutMs = 2000): () => void {
  let cancelled = false;
  let cancelIdle = () => {};
  void painted().then(() => {
    if (cancelled) return;
    if (typeof requestIdleCallback === 'function') {
      const id = requestIdleCallback(fn, { timeout: timeoutMs });
      cancelIdle = () => cancelIdleCallback(id);
    } else {
      // Safari has no requestIdleCallback: after the load event's work is done.
      const id = setTimeout(fn, 200);
      cancelIdle = () => clearTimeout(id);
    }
  });
  return () => {
    cancelled = true;
    cancelIdle();
  };
}

/** Resolves after the load event, the first contentful paint, and one more frame. */
async function painted(): Promise<void> {
  if (document.readyState !== 'complete') await new Promise((ok) => addEventListener('load', ok, { once: true }));
  await firstPaint();
  // A frame rendered after both: what the load brought is on screen.
  await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
}

/** Resolves once the first contentful paint happened (Paint Timing), or after `fallbackMs` where that is not reported. */
function firstPaint(fallbackMs = 3000): Promise<void> {
  if (performance.getEntriesByName('first-contentful-paint').length > 0) return Promise.resolve();
  return new Promise((ok) => {
    const done = () => {
      observer?.disconnect();
      clearTimeout(timer);
      ok();
    };
    const timer = setTimeout(done, fallbackMs);
    let observer: PerformanceObserver | undefined;
    try {
      observer = new PerformanceObserver((list) => {
        if (list.getEntriesByName('first-contentful-paint').length > 0) done();
      });
      observer.observe({ type: 'paint', buffered: true });
    } catch {
      // no Paint Timing here: the fallback timer decides
    }
  });
}
