/**
 * The app under its security headers (issue 9): real Chromium against the real worker serving
 * build/web with its `_headers`. The pages are cross-origin isolated, and the app still classifies
 * (tfjs in its worker on wasm, also on the threaded build), installs, and works offline, with no CSP
 * violation in the page or its workers.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, haveShared } from '../shared-data.ts';
import { WAIT, budget, classify, haveBrowser, launchPersistent, startStack, waitForServiceWorker, waitReady, workerStats, type Stack } from './harness.ts';

const SMOKE = join(DATASETS, 'smoke');
const run = haveBrowser() && haveShared(SMOKE);
const cats = run ? readdirSync(join(SMOKE, 'cat')).sort().map((f) => join(SMOKE, 'cat', f)) : [];

describe.skipIf(!run)('security headers in Chromium', () => {
  let stack: Stack;
  let browser: Awaited<ReturnType<typeof launchPersistent>>;
  const violations: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchPersistent();
    // Report every CSP violation of the page (and the workers it starts) to the test.
    await browser.context.exposeBinding('reportViolation', (_src, v: string) => void violations.push(v));
    await browser.context.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`)
      )
    );
    const csp = (text: string) => /Content Security Policy|Refused to/i.test(text) && violations.push(text);
    browser.page.on('console', (m) => csp(m.text()));
    browser.page.on('worker', (w) => w.on('console', (m) => csp(m.text())));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('sends the headers on pages, assets, the service worker and the API', async () => {
    for (const path of ['/', '/dashboard', '/no-such-page', '/service-worker.js', '/manifest.webmanifest', '/model/metadata.json']) {
      const res = await fetch(`${stack.server.url}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
      expect(scriptSrc, path).toContain("'wasm-unsafe-eval'");
      expect(scriptSrc, path).not.toContain('unsafe-inline');
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('permissions-policy'), path).toContain('camera=(self)');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), path).toBe('require-corp');
    }
    const api = await fetch(`${stack.server.url}/api/health`);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('is cross-origin isolated and classifies a photo', async () => {
    const { page } = browser;
    await page.goto(stack.server.url);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const { backend } = await waitReady(page);
    console.log(`classifier ready on ${backend}, crossOriginIsolated`);
    expect(await classify(page, cats[0]!)).toBe('cat');
    // The camera is allowed for the app itself (Chromium's fake device here).
    const camera = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      stream.getTracks().forEach((t) => t.stop());
      return stream.getVideoTracks().length;
    });
    expect(camera).toBe(1);
    // The threaded SIMD build (SharedArrayBuffer, wasm threads in workers of the worker), forced to two
    // threads (this machine's two cores would get one, i.e. the single-threaded build).
    await page.goto(`${stack.server.url}/?threads=2`);
    await waitReady(page);
    expect(await classify(page, cats[1]!)).toBe('cat');
    expect(await workerStats(page)).toMatchObject({ backend: 'wasm', wasmThreads: 2, crossOriginIsolated: true });
    expect(violations).toEqual([]);
  }, budget(2, WAIT.verdict, 2 * WAIT.ready));

  it('installs, and works offline still cross-origin isolated', async () => {
    const { page, context } = browser;
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
    await cdp.detach();
    await context.setOffline(true);
    try {
      await page.reload();
      await waitReady(page);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await classify(page, cats[2]!)).toBe('cat');
    } finally {
      await context.setOffline(false);
    }
    expect(violations).toEqual([]);
  });
});
