/**
 * bench:web's measurement. Each contender is a build of the PWA with a model shipped in it (as a
 * release would ship it), served by its own wrangler dev (temp D1/R2, the model also published, as
 * `npm start` does): either two models in today's app (`--baseline DIR`), or today's app against the
 * app at an earlier git revision with the same model (`--baseline-ref REV`). Real headless Chromium
 * times both in one run, taking turns: cold starts alternate A B, B A, …; for warm predict one page
 * per contender is open and they classify the same photo one after the other. Load from other
 * processes therefore hits both alike.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Result } from 'lighthouse';
import type { Page } from 'playwright-core';
import type { ModelMetadata } from '../edge/src/contract.ts';
import { readMetadata } from '../training/src/metadata.ts';
import { publishModel } from '../training/src/publish.ts';
import { ADMIN_TOKEN, CHROMIUM, launchPersistent, startStack, WAIT, waitReady, type Stack } from '../tests/e2e/harness.ts';
import { writeTwoClassModel } from '../tests/e2e/two-class-model.ts';
import { DATASETS } from '../tests/shared-data.ts';
import { lighthouseRun, medianRunScores } from './lighthouse.ts';
import { modelInfo } from './model-info.ts';
import { inTurn, pairedSpeedup, summarize } from './stats.ts';
import { longestTaskDuring } from './trace.ts';
import { appAcceptsModel, buildCheckout, buildWithModel, checkout, precacheBytes } from './web-build.ts';

export interface WebBenchOptions {
  model: string;
  /** A second model, in today's app. */
  baseline?: string;
  /** Today's app against the app at this commit (a full id), both shipping `model`. */
  baselineRef?: string;
  /** Cold starts per contender (fresh profile each). */
  cold: number;
  /** How long a freshly launched browser is left to finish its own start-up before a cold start. */
  settleMs: number;
  /** Warm predictions per contender on wasm, and on webgl (0 skips webgl). */
  runs: number;
  webglRuns: number;
  /** Classifications traced per contender for the longest main-thread task. */
  traced: number;
  /** Lighthouse runs per contender, taking turns (0 skips Lighthouse). */
  lighthouseRuns: number;
}

interface Site {
  role: 'model' | 'baseline';
  /** The app: today's working tree, or the commit it was built from. */
  app: string;
  dir: string;
  meta: ModelMetadata;
  build: string;
  stack: Stack;
}

interface ColdStart {
  backend: string | null;
  firstContentfulPaintMs: number;
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

/**
 * In the page, in one go: waits until the app shows its backend, picks `file` through the file input
 * at once, and waits until its verdict shows; both times in ms since navigation, to the frame. No
 * round trip to the bench comes between the steps: those (a few hundred ms here) would count as the
 * app's time, and Playwright's waits poll at up to 0.5 s intervals.
 */
async function readyThenVerdict(page: Page, file: string): Promise<{ readyAt: number; verdictAt: number }> {
  const type = /\.png$/i.test(file) ? 'image/png' : 'image/jpeg';
  // A string, not a function: tsx's name-keeping helpers do not exist inside the page.
  const inPage = page.evaluate<{ readyAt: number; verdictAt: number }>(`(async () => {
    const frame = () => new Promise(requestAnimationFrame);
    const backend = () => document.querySelector('[data-testid=backend]')?.textContent ?? '';
    while (!/^(webgl|wasm|cpu)$/.test(backend())) await frame();
    const readyAt = performance.now();
    const bytes = Uint8Array.from(atob(${JSON.stringify(readFileSync(file).toString('base64'))}), (c) => c.charCodeAt(0));
    const picked = new DataTransfer();
    picked.items.add(new File([bytes], ${JSON.stringify(basename(file))}, { type: ${JSON.stringify(type)} }));
    const input = document.querySelector('[data-testid=file-input]');
    input.files = picked.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    while (!document.querySelector('[data-testid=verdict]')?.getAttribute('data-result')) await frame();
    return { readyAt, verdictAt: performance.now() };
  })()`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error('no verdict in a cold start')), WAIT.ready + WAIT.verdict)));
  try {
    return await Promise.race([inPage, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A first visit in a fresh profile: first paint, classifier ready and first verdict (the photo picked
 * as soon as it is ready), and what it transferred. The browser is launched `settleMs` before: in the
 * first seconds after its launch Chromium is busy with its own start-up (here a one-line page's first
 * paint takes ~1.7 s then, ~0.25 s after 3 s), which is not the app's.
 */
async function coldStart(url: string, photo: string, settleMs: number): Promise<ColdStart> {
  const browser = await launchPersistent();
  try {
    const { page } = browser;
    await new Promise((settled) => setTimeout(settled, settleMs));
    await page.goto(url);
    const { readyAt, verdictAt } = await readyThenVerdict(page, photo);
    const backend = await page.getByTestId('backend').textContent();
    const first = { at: verdictAt, latencyMs: Number(await page.getByTestId('latency').textContent()) };
    // What the page and its workers fetched (a worker's fetches are in its own Resource Timing).
    const entries = `performance.getEntriesByType('resource').map((e) => ({ url: e.name, bytes: e.transferSize }))`;
    const workers = page.workers().filter((w) => w.url().startsWith('http'));
    const resources = (await Promise.all([page.evaluate<{ url: string; bytes: number }[]>(entries), ...workers.map((w) => w.evaluate<{ url: string; bytes: number }[]>(entries))])).flat();
    const sum = (re: RegExp) => resources.filter((r) => re.test(new URL(r.url).pathname)).reduce((n, r) => n + r.bytes, 0);
    const html = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).transferSize);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    return {
      backend,
      firstContentfulPaintMs: fcp,
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
 * Waits until the page's outbox is empty (the verdict's telemetry reached the server), at most
 * `limitMs`: that send (IndexedDB, the page, wrangler dev and workerd) would otherwise share the two
 * cores with the next contender's timed prediction.
 */
async function outboxSettled(page: Page, limitMs = 10_000): Promise<void> {
  await page
    .getByTestId('outbox-count')
    .filter({ hasText: /^0$/ })
    .waitFor({ timeout: limitMs })
    .catch(() => undefined); // still waiting (e.g. the server is slow): time the next one anyway
}

/**
 * Warm predict latencies per site on `backend` (the pages classify the same photo in turn, `runs`
 * photos each, each after the other's telemetry was sent), or why they were not measured.
 */
async function warmPredict(pages: Page[], sites: Site[], backend: string, runs: number, photos: string[]): Promise<number[][] | string> {
  const errors = await Promise.all(sites.map((s, k) => openOn(pages[k]!, s, backend)));
  const error = errors.findIndex(Boolean);
  if (error >= 0) return `${sites[error]!.role}: ${errors[error]}`;
  const latencies: number[][] = sites.map(() => []);
  const order = sites.map((_, k) => k);
  for (const k of order) await classifyTimed(pages[k]!, photos[1 % photos.length]!); // the first real photo is not counted
  for (let i = 0; i < runs; i++) {
    for (const k of inTurn(i, order)) {
      await Promise.all(pages.map((p) => outboxSettled(p)));
      latencies[k]!.push((await classifyTimed(pages[k]!, photos[i % photos.length]!)).latencyMs);
    }
  }
  log(`${backend}: ${sites.map((s, k) => `${s.role} p50 ${summarize(latencies[k]!).p50} ms`).join(', ')}`);
  return latencies;
}

/** The longest main-thread task (ms) over `n` traced classifications per site, taking turns. */
async function longestTasks(pages: Page[], sites: Site[], n: number, photos: string[]): Promise<number[]> {
  const longest = sites.map(() => 0);
  for (let i = 0; i < n; i++) {
    for (const k of inTurn(i, sites.map((_, k) => k))) {
      const ms = await longestTaskDuring(pages[k]!, () => classifyTimed(pages[k]!, photos[(i + 3) % photos.length]!));
      longest[k] = Math.max(longest[k]!, ms);
    }
  }
  log(`longest main-thread task while classifying: ${sites.map((s, k) => `${s.role} ${longest[k]} ms`).join(', ')}`);
  return longest;
}

/**
 * The model both builds ship with --baseline-ref: `model` itself when the app at that revision
 * accepts it, else (an app from before three-class models) its two-class cut, for both builds.
 */
async function sharedModel(appDir: string, model: string, scratch: string): Promise<string> {
  if (appAcceptsModel(appDir, model)) return model;
  const meta = readMetadata(model);
  if (meta.labels.length === 3) {
    const cut = join(scratch, 'two-class');
    await writeTwoClassModel(model, cut, `${meta.version}-two-class`);
    if (appAcceptsModel(appDir, cut)) {
      log(`the app at that revision cannot load a three-class model; both builds ship its two-class cut (${cut})`);
      return cut;
    }
  }
  throw new Error(`the app at that revision cannot load ${model} (its metadata.json does not pass that revision's contract)`);
}

export async function benchWeb(opts: WebBenchOptions): Promise<object> {
  const smokeDir = join(DATASETS, 'smoke');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROME_PATH)`);
  if (!existsSync(smokeDir)) throw new Error(`no photos at ${smokeDir} (the shared smoke set)`);
  const commit = opts.baselineRef;
  const photos = (['cat', 'dog'] as const).flatMap((l) => readdirSync(join(smokeDir, l)).sort().map((f) => join(smokeDir, l, f)));

  const scratch = mkdtempSync(join(tmpdir(), 'pawlens-bench-models-'));
  const builds: string[] = [];
  const sites: Site[] = [];
  try {
    // The baseline first, so build/web is left holding today's app with --model.
    let model = opts.model;
    let baseline: { app: string; dir: string; build: string } | undefined;
    if (commit) {
      log(`checking out ${commit.slice(0, 12)} in a temporary worktree`);
      const ref = checkout(commit);
      try {
        model = await sharedModel(ref.dir, opts.model, scratch);
        log(`building the app at ${commit.slice(0, 12)} with ${model}`);
        baseline = { app: commit, dir: model, build: buildCheckout(ref.dir, model) };
      } finally {
        ref.remove();
      }
    } else if (opts.baseline) {
      log(`building the app with ${opts.baseline}`);
      baseline = { app: 'working tree', dir: opts.baseline, build: buildWithModel(opts.baseline) };
    }
    if (baseline) builds.push(baseline.build);
    log(`building the app with ${model}`);
    const modelBuild = baseline && !commit && opts.baseline === model ? baseline.build : buildWithModel(model);
    if (modelBuild !== baseline?.build) builds.push(modelBuild);

    const contenders = [{ role: 'model' as const, app: 'working tree', dir: model, build: modelBuild }, ...(baseline ? [{ role: 'baseline' as const, ...baseline }] : [])];
    for (const c of contenders) {
      const stack = await startStack(c.build);
      sites.push({ ...c, meta: readMetadata(c.dir), stack });
      // Published and active, as npm start leaves it (else /api/models/latest answers 404, an error in the console).
      await publishModel({ url: stack.server.url, modelDir: join(c.build, 'model'), token: ADMIN_TOKEN, activate: true });
    }
    const loadBefore = loadavg()[0]!;

    log(`cold starts (${opts.cold} per contender)`);
    const colds: ColdStart[][] = sites.map(() => []);
    for (let c = 0; c < opts.cold; c++) {
      for (const k of inTurn(c, sites.map((_, k) => k))) colds[k]!.push(await coldStart(sites[k]!.stack.server.url, photos[0]!, opts.settleMs));
    }

    log('warm predict');
    const warm: Record<string, number[][] | string> = {};
    let longest: number[] = [];
    const browsers: Awaited<ReturnType<typeof launchPersistent>>[] = [];
    try {
      while (browsers.length < sites.length) browsers.push(await launchPersistent());
      const pages = browsers.map((b) => b.page);
      const phases: [string, number][] = [['wasm', opts.runs], ['webgl', opts.webglRuns]];
      for (const [backend, runs] of phases.filter(([, n]) => n > 0)) {
        warm[backend] = await warmPredict(pages, sites, backend, runs, photos);
      }
      // On the backend each app picks by itself.
      await Promise.all(sites.map((s, k) => pages[k]!.goto(s.stack.server.url).then(() => waitReady(pages[k]!))));
      longest = await longestTasks(pages, sites, opts.traced, photos);
    } finally {
      for (const b of browsers) await b.close();
    }
    const loadAfter = loadavg()[0]!;

    const reports: Result[][] = sites.map(() => []);
    for (let i = 0; i < opts.lighthouseRuns; i++) {
      for (const k of inTurn(i, sites.map((_, k) => k))) {
        log(`lighthouse ${i + 1} of ${opts.lighthouseRuns} (${sites[k]!.role})`);
        reports[k]!.push(await lighthouseRun(sites[k]!.stack.server.url));
      }
    }
    const lighthouse = opts.lighthouseRuns > 0 ? reports.map(medianRunScores) : [];

    const figures: Record<string, object> = {};
    sites.forEach((s, k) => {
      const runs = colds[k]!;
      figures[s.role] = {
        app: s.app,
        ...modelInfo(s.dir, s.meta),
        coldStart: {
          backend: runs[0]!.backend,
          firstContentfulPaintMs: summarize(runs.map((r) => r.firstContentfulPaintMs)),
          classifierReadyMs: summarize(runs.map((r) => r.classifierReadyMs)),
          firstVerdictMs: summarize(runs.map((r) => r.firstVerdictMs)),
          firstPredictMs: summarize(runs.map((r) => r.firstPredictMs))
        },
        firstLoadBytes: runs[0]!.firstLoadBytes,
        serviceWorkerPrecacheBytes: precacheBytes(s.build),
        warm: Object.fromEntries(Object.entries(warm).map(([b, w]) => [b, typeof w === 'string' ? { error: w } : summarize(w[k]!)])),
        longestTaskMs: longest[k],
        ...(lighthouse[k] ? { lighthouse: lighthouse[k] } : {})
      };
    });
    const warmSpeedup = (backend: string) => {
      const w = warm[backend];
      return Array.isArray(w) ? pairedSpeedup(w[1]!, w[0]!) : null;
    };
    const firstVerdicts = (k: number) => colds[k]!.map((r) => r.firstVerdictMs);
    const compared = sites.length === 2;
    const ours = lighthouse[0];
    const coldFirstVerdict = compared ? pairedSpeedup(firstVerdicts(1), firstVerdicts(0)) : null;
    const warmWasm = compared ? warmSpeedup('wasm') : null;
    return {
      bench: 'web',
      when: new Date().toISOString(),
      chromium: CHROMIUM,
      machine: { cpus: cpus().length, node: process.version, loadAverage: { before: loadBefore, after: loadAfter } },
      coldStartSettleMs: opts.settleMs,
      ...(compared ? { coldStartSpeedup: coldFirstVerdict, warmSpeedup: warmWasm } : {}),
      longestTaskMs: longest[0],
      ...(ours ? { lighthouse: (({ metrics, belowNinety: _, runs, ...scores }) => ({ scores, tbtMs: metrics.tbtMs, runs }))(ours) } : {}),
      ...figures,
      ...(compared
        ? {
            speedup: warmWasm,
            speedupBy: { warmWasm, warmWebgl: warmSpeedup('webgl'), coldFirstVerdict }
          }
        : {}),
      notes:
        "Each contender is its own build of the app (PAWLENS_MODEL_DIR ships the model; with --baseline-ref the app at that revision, built in a temporary git worktree, ships the same model) served by its own wrangler dev. Cold starts (fresh profile, in a browser launched settleMs before; the photo is picked in the page as soon as the app shows its backend, and times are taken there, to the frame) alternate between the contenders; warm predict: one page per contender, the same photo classified by each in turn, forced onto a backend with ?backend= (WebGL runs on SwiftShader, i.e. software, here). Latencies are the app's own predict time; p50/p95 nearest rank. coldStartSpeedup and warmSpeedup (= speedup) are medians over back-to-back pairs of baseline / model time. longestTaskMs: the longest task on the page's main thread (Chromium trace) while a photo is classified, on the backend the app picks, over the traced classifications (the model's at the top level, each contender's in its figures). lighthouse: Lighthouse 12, mobile emulation (simulated 4x CPU slowdown), lighthouseRuns runs per contender taking turns; the scores are those of the run nearest the median first paint and time to interactive (Lighthouse's computeMedianRun), and runs lists every run's performance and tbtMs. firstLoadBytes are transferSize from Resource Timing of the first cold start (a file the service worker fetched shows as a few hundred bytes or 0); serviceWorkerPrecacheBytes is what it precaches, uncompressed."
    };
  } finally {
    for (const s of sites) await s.stack.close();
    for (const b of builds) rmSync(b, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}
