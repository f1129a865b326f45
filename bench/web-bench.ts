/**
 * bench:web's measurement. Each model gets its own build of the PWA (the model shipped in it, as a
 * release would) served by its own wrangler dev (temp D1/R2, the model also published, as
 * `npm start` does), and real headless Chromium times both in one run, taking turns: cold starts
 * alternate A B, B A, …; for warm predict one page per model is open and the pages classify the same
 * photo one after the other. Load from other processes therefore hits both models alike.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ModelMetadata } from '../edge/src/contract.ts';
import { readMetadata } from '../training/src/metadata.ts';
import { publishModel } from '../training/src/publish.ts';
import { ADMIN_TOKEN, CHROMIUM, launchPersistent, startStack, waitReady, type Stack } from '../tests/e2e/harness.ts';
import { DATASETS } from '../tests/shared-data.ts';
import { lighthouseScores } from './lighthouse.ts';
import { modelInfo } from './model-info.ts';
import { inTurn, pairedSpeedup, summarize } from './stats.ts';
import { buildWithModel, precacheBytes } from './web-build.ts';

export interface WebBenchOptions {
  model: string;
  baseline?: string;
  /** Cold starts per model (fresh profile each). */
  cold: number;
  /** Warm predictions per model on wasm, and on webgl (0 skips webgl). */
  runs: number;
  webglRuns: number;
  lighthouse: boolean;
}

interface Site {
  role: 'model' | 'baseline';
  dir: string;
  meta: ModelMetadata;
  build: string;
  stack: Stack;
}

interface ColdStart {
  backend: string | null;
  classifierReadyMs: number;
  firstVerdictMs: number;
  firstPredictMs: number;
  firstLoadBytes: Record<string, number>;
}


const log = (msg: string) => process.stderr.write(`bench:web: ${msg}\n`);

/** Picks a photo and resolves with the verdict's arrival time (ms since navigation) and the app's predict latency. */
async function classifyTimed(page: Page, file: string): Promise<{ at: number; latencyMs: number }> {
  const prev = (await page.getByTestId('verdict').count()) ? await page.getByTestId('verdict').getAttribute('data-result') : null;
  // A string, not a function: tsx's name-keeping helpers do not exist inside the page.
  const arrival = page.evaluate<number>(`new Promise((ok) => {
    const check = () => {
      const v = document.querySelector('[data-testid=verdict]');
      if (v && v.getAttribute('data-result') !== ${JSON.stringify(prev)}) ok(performance.now());
      else requestAnimationFrame(check);
    };
    check();
  })`);
  await page.getByTestId('file-input').setInputFiles(file);
  const at = await arrival;
  return { at, latencyMs: Number(await page.getByTestId('latency').textContent()) };
}

/** A first visit in a fresh profile: page load to classifier ready and to the first verdict, and what it transferred. */
async function coldStart(url: string, photo: string): Promise<ColdStart> {
  const browser = await launchPersistent();
  try {
    const { page } = browser;
    await page.goto(url);
    const { backend } = await waitReady(page);
    const readyAt = await page.evaluate(() => performance.now());
    const first = await classifyTimed(page, photo);
    const resources = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => ({ url: (e as PerformanceResourceTiming).name, bytes: (e as PerformanceResourceTiming).transferSize }))
    );
    const sum = (re: RegExp) => resources.filter((r) => re.test(new URL(r.url).pathname)).reduce((n, r) => n + r.bytes, 0);
    const html = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).transferSize);
    return {
      backend,
      classifierReadyMs: readyAt,
      firstVerdictMs: first.at,
      firstPredictMs: first.latencyMs,
      firstLoadBytes: {
        html,
        js: sum(/\.js$/),
        css: sum(/\.css$/),
        wasm: sum(/\.wasm$/),
        model: sum(/^\/model\/|^\/api\/models\/[^/]+\/[^/]+$/),
        total: html + resources.reduce((n, r) => n + r.bytes, 0)
      }
    };
  } finally {
    await browser.close();
  }
}

/** Opens `site` on `backend` and waits until it is ready and its service worker has finished precaching. */
async function openOn(page: Page, site: Site, backend: string): Promise<string | null> {
  await page.goto(`${site.stack.server.url}/?backend=${backend}`);
  const got = (await waitReady(page)).backend;
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  return got === backend ? null : `fell back to ${got}`;
}

/**
 * Warm predict latencies per site on `backend` (the pages classify the same photo in turn, `runs`
 * photos each), or why they were not measured.
 */
async function warmPredict(pages: Page[], sites: Site[], backend: string, runs: number, photos: string[]): Promise<number[][] | string> {
  const errors = await Promise.all(sites.map((s, k) => openOn(pages[k]!, s, backend)));
  const error = errors.findIndex(Boolean);
  if (error >= 0) return `${sites[error]!.role}: ${errors[error]}`;
  const latencies: number[][] = sites.map(() => []);
  const order = sites.map((_, k) => k);
  for (const k of order) await classifyTimed(pages[k]!, photos[1 % photos.length]!); // the first real photo is not counted
  for (let i = 0; i < runs; i++) {
    for (const k of inTurn(i, order)) latencies[k]!.push((await classifyTimed(pages[k]!, photos[i % photos.length]!)).latencyMs);
  }
  log(`${backend}: ${sites.map((s, k) => `${s.role} p50 ${summarize(latencies[k]!).p50} ms`).join(', ')}`);
  return latencies;
}

export async function benchWeb(opts: WebBenchOptions): Promise<object> {
  const smokeDir = join(DATASETS, 'smoke');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROME_PATH)`);
  if (!existsSync(smokeDir)) throw new Error(`no photos at ${smokeDir} (the shared smoke set)`);
  const photos = (['cat', 'dog'] as const).flatMap((l) => readdirSync(join(smokeDir, l)).sort().map((f) => join(smokeDir, l, f)));

  const roles = [{ role: 'model' as const, dir: opts.model }, ...(opts.baseline ? [{ role: 'baseline' as const, dir: opts.baseline }] : [])];
  const builds = new Map<string, string>();
  const sites: Site[] = [];
  try {
    // The baseline first, so build/web is left holding the build with --model.
    for (const { dir } of [...roles].reverse()) {
      if (builds.has(dir)) continue;
      log(`building the app with ${dir}`);
      builds.set(dir, buildWithModel(dir));
    }
    for (const { role, dir } of roles) {
      const build = builds.get(dir)!;
      const stack = await startStack(build);
      sites.push({ role, dir, meta: readMetadata(dir), build, stack });
      await publishModel({ url: stack.server.url, modelDir: join(build, 'model'), token: ADMIN_TOKEN });
    }
    const loadBefore = loadavg()[0]!;

    log(`cold starts (${opts.cold} per model)`);
    const colds: ColdStart[][] = sites.map(() => []);
    for (let c = 0; c < opts.cold; c++) {
      for (const k of inTurn(c, sites.map((_, k) => k))) colds[k]!.push(await coldStart(sites[k]!.stack.server.url, photos[0]!));
    }

    log('warm predict');
    const warm: Record<string, number[][] | string> = {};
    const browsers: Awaited<ReturnType<typeof launchPersistent>>[] = [];
    try {
      while (browsers.length < sites.length) browsers.push(await launchPersistent());
      const pages = browsers.map((b) => b.page);
      const phases: [string, number][] = [['wasm', opts.runs], ['webgl', opts.webglRuns]];
      for (const [backend, runs] of phases.filter(([, n]) => n > 0)) {
        warm[backend] = await warmPredict(pages, sites, backend, runs, photos);
      }
    } finally {
      for (const b of browsers) await b.close();
    }
    const loadAfter = loadavg()[0]!;

    const lighthouse: Awaited<ReturnType<typeof lighthouseScores>>[] = [];
    for (const s of opts.lighthouse ? sites : []) {
      log(`lighthouse (${s.role})`);
      lighthouse.push(await lighthouseScores(s.stack.server.url));
    }

    const figures: Record<string, object> = {};
    sites.forEach((s, k) => {
      const runs = colds[k]!;
      figures[s.role] = {
        ...modelInfo(s.dir, s.meta),
        coldStart: {
          backend: runs[0]!.backend,
          classifierReadyMs: summarize(runs.map((r) => r.classifierReadyMs)),
          firstVerdictMs: summarize(runs.map((r) => r.firstVerdictMs)),
          firstPredictMs: summarize(runs.map((r) => r.firstPredictMs))
        },
        firstLoadBytes: runs[0]!.firstLoadBytes,
        serviceWorkerPrecacheBytes: precacheBytes(s.build),
        warm: Object.fromEntries(Object.entries(warm).map(([b, w]) => [b, typeof w === 'string' ? { error: w } : summarize(w[k]!)])),
        ...(opts.lighthouse ? { lighthouse: lighthouse[k] } : {})
      };
    });
    const warmSpeedup = (backend: string) => {
      const w = warm[backend];
      return Array.isArray(w) ? pairedSpeedup(w[1]!, w[0]!) : null;
    };
    const firstVerdicts = (k: number) => colds[k]!.map((r) => r.firstVerdictMs);
    return {
      bench: 'web',
      when: new Date().toISOString(),
      chromium: CHROMIUM,
      machine: { cpus: cpus().length, node: process.version, loadAverage: { before: loadBefore, after: loadAfter } },
      ...figures,
      ...(sites.length === 2
        ? {
            speedup: warmSpeedup('wasm'),
            speedupBy: { warmWasm: warmSpeedup('wasm'), warmWebgl: warmSpeedup('webgl'), coldFirstVerdict: pairedSpeedup(firstVerdicts(1), firstVerdicts(0)) }
          }
        : {}),
      notes:
        'Each model is served by its own build of the app (PAWLENS_MODEL_DIR) and its own wrangler dev. Cold starts (fresh profile) alternate between the models; warm predict: one page per model, the same photo classified by each in turn, forced onto a backend with ?backend= (WebGL runs on SwiftShader, i.e. software, here; the app itself picks wasm). Latencies are the app\'s own predict time; p50/p95 nearest rank. speedup = median over back-to-back pairs (same photo) of baseline / model warm wasm predict time; speedupBy the same per backend and for cold start to first verdict (pairs of consecutive cold starts). firstLoadBytes are transferSize from Resource Timing of the first cold start (a file the service worker fetched shows as a few hundred bytes or 0); serviceWorkerPrecacheBytes is what it precaches, uncompressed.'
    };
  } finally {
    for (const s of sites) await s.stack.close();
    for (const b of builds.values()) rmSync(b, { recursive: true, force: true });
  }
}
