/**
 * Shared set-up for the browser tests: Debian Chromium through playwright-core, the real edge worker
 * (wrangler dev) serving build/web with a temp D1/R2 state, and small page helpers.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { ModelMetadata, Performance, type ConfusionMatrix, type Label } from '../../edge/src/contract.ts';
import { ROOT, applyMigrations, startDevServer, type DevServer } from '../../scripts/dev-server.ts';

export const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';
export const ADMIN_TOKEN = 'e2e-admin-token';
export const BUILD = resolve(ROOT, 'build/web');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  // A synthetic camera, allowed without a prompt, for the camera test.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream'
];

/** True when Chromium and the built app exist; otherwise prints why (or throws in CI). */
export function haveBrowser(): boolean {
  const missing = [CHROMIUM, join(BUILD, 'index.html'), join(BUILD, 'model/metadata.json')].filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  const msg = `browser tests need ${missing.join(' and ')} (apt-get install chromium; a model in model/; vite build)`;
  if (process.env.REQUIRE_SHARED === '1' || process.env.CI === 'true') throw new Error(msg);
  console.warn(`SKIP: ${msg}`);
  return false;
}

/** The model the build ships (what /model/ serves). */
export function shippedMetadata(): ModelMetadata {
  return ModelMetadata.parse(JSON.parse(readFileSync(join(BUILD, 'model/metadata.json'), 'utf8')));
}

/** Publishes the files the build ships (build/web/model) under `version`; see publishModel. */
export function publishShipped(base: string, version: string, adminToken = ADMIN_TOKEN): Promise<void> {
  return publishModel(base, version, join(BUILD, 'model'), adminToken);
}

/**
 * Publishes every file in `dir` (model.json, shards, metadata.json) under `version` through
 * POST /api/models, with metadata.json saying that version, and makes it the active one.
 */
export async function publishModel(base: string, version: string, dir: string, adminToken = ADMIN_TOKEN): Promise<void> {
  const files = readdirSync(dir).map((path) => {
    let body = readFileSync(join(dir, path));
    if (path === 'metadata.json') body = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString('utf8')), version }));
    return { path, sha256: createHash('sha256').update(body).digest('hex'), contentBase64: body.toString('base64') };
  });
  const res = await fetch(`${base}/api/models`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ version, files, activate: true })
  });
  if (!res.ok) throw new Error(`publishing ${version} failed: ${res.status} ${await res.text()}`);
}

export interface Stack {
  server: DevServer;
  persistTo: string;
  /** Stops the worker and starts it again on the same port and state (same origin for the app). */
  restart(stopped?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** `assets`: serve another build folder than build/web. */
export async function startStack(assets?: string): Promise<Stack> {
  const persistTo = mkdtempSync(join(tmpdir(), 'pawlens-e2e-state-'));
  applyMigrations(persistTo);
  const opts = { persistTo, assets, vars: { ADMIN_TOKEN } };
  const stack: Stack = {
    server: await startDevServer(opts),
    persistTo,
    async restart(stopped) {
      const port = stack.server.port;
      await stack.server.stop();
      await stopped?.();
      stack.server = await startDevServer({ ...opts, port });
    },
    async close() {
      await stack.server.stop();
      rmSync(persistTo, { recursive: true, force: true });
    }
  };
  return stack;
}

/** A persistent context (installability checks need one; incognito always reports `in-incognito`). */
export async function launchPersistent(opts: Partial<LaunchOptions> = {}): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pawlens-e2e-profile-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...opts });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * How long one state may take to arrive on a busy machine (two test runs and a training on 2 cores):
 * waits poll for the state and give up only after this, and a test's own timeout is the sum of what it
 * waits for (`budget`), so it never fires while the test is still making progress.
 */
export const WAIT = {
  /** A cold start to a ready classifier: TensorFlow.js, the model, the warm-up (WebGL's shaders on SwiftShader included). */
  ready: 240_000,
  /** One photo to its verdict. */
  verdict: 60_000,
  /** The service worker installed and in control (it precaches the app first). */
  serviceWorker: 120_000,
  /** The outbox delivering to the server, retries with backoff included. */
  sync: 120_000
} as const;

/** A test's timeout: `base` plus `n` waits of `each`. */
export const budget = (n: number, each: number, base = 60_000) => base + n * each;

/** Waits until the classifier is ready (model version and backend shown). */
export async function waitReady(page: Page): Promise<{ version: string; backend: string }> {
  await page.getByTestId('backend').filter({ hasText: /^(webgl|wasm|cpu)$/ }).waitFor({ timeout: WAIT.ready });
  return { version: (await page.getByTestId('model-version').textContent())!, backend: (await page.getByTestId('backend').textContent())! };
}

/** The classifier worker's figures (tensor count, backend, wasm threads), through the app's test hook. */
export function workerStats(page: Page): Promise<{ numTensors: number; backend: string | null; wasmThreads: number | null; crossOriginIsolated: boolean }> {
  return page.evaluate(() => (globalThis as unknown as { __pawlens: { workerStats(): Promise<never> } }).__pawlens.workerStats());
}

/** Picks a file and waits for its verdict (or the error); returns the verdict text or null. */
export function classify(page: Page, file: string): Promise<string | null> {
  return verdictAfter(page, () => page.getByTestId('file-input').setInputFiles(file));
}

/** Runs `act` (which hands the app a photo) and waits for the new verdict (or the error). */
export async function verdictAfter(page: Page, act: () => Promise<unknown>): Promise<string | null> {
  const verdict = page.getByTestId('verdict');
  const prev = (await verdict.count()) ? await verdict.getAttribute('data-result') : null;
  await act();
  const fresh = page.locator(prev ? `[data-testid=verdict]:not([data-result="${prev}"])` : '[data-testid=verdict]');
  await fresh.or(page.getByTestId('error')).first().waitFor({ timeout: WAIT.verdict });
  return (await fresh.count()) ? await fresh.textContent() : null;
}

/**
 * Answers "was it right?" on the current result with what the photo really shows, pressing whichever
 * button carries that meaning ("Right" when the verdict said so, else "It's a cat", "It's a dog", "Neither").
 */
export function answer(page: Page, actual: Label): Promise<void> {
  return page.locator(`[data-testid^="feedback-"][data-actual="${actual}"]`).click();
}

/** Feedback rows the server has stored, over all model versions. */
export async function feedbackRows(base: string): Promise<number> {
  const res = await fetch(`${base}/api/performance`);
  const body = (await res.json()) as { versions: { feedbackCount: number }[] };
  return body.versions.reduce((n, v) => n + v.feedbackCount, 0);
}

/** The feedback confusion matrix GET /api/performance reports for one model version (null before any feedback). */
export async function feedbackConfusion(base: string, modelVersion: string): Promise<ConfusionMatrix | null> {
  const res = await fetch(`${base}/api/performance?modelVersion=${encodeURIComponent(modelVersion)}`);
  const body = Performance.parse(await res.json());
  return body.versions.find((v) => v.modelVersion === modelVersion)?.confusion ?? null;
}

export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT.serviceWorker });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
}

/**
 * Shares a photo to the app as a phone's share sheet does: a multipart POST to the manifest's
 * share_target action (here a form submitted from the page, so the service worker sees a navigation
 * POST). Resolves once the page it leads to shows a verdict.
 */
export async function sharePhoto(page: Page, file: string): Promise<void> {
  const b64 = readFileSync(file).toString('base64');
  const name = file.split('/').pop()!;
  await page.evaluate(
    ({ b64, name }) => {
      (window as { beforeShare?: boolean }).beforeShare = true;
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: '/share', enctype: 'multipart/form-data' });
      const input = Object.assign(document.createElement('input'), { type: 'file', name: 'photo' });
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' }));
      input.files = data.files;
      form.append(input);
      document.body.append(form);
      form.submit();
    },
    { b64, name }
  );
  // A new document (the one the share led to) with a verdict in it.
  await page.waitForFunction(() => !(window as { beforeShare?: boolean }).beforeShare && document.querySelector('[data-testid=verdict]') !== null, undefined, {
    timeout: WAIT.ready + WAIT.verdict,
    polling: 250
  });
}
