/**
 * Lighthouse 12 (mobile emulation) in Debian Chromium with the harness flags: one run's report, its
 * scores, and the run that stands for several.
 */
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { type Result } from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/e2e/harness.ts';

/** One Lighthouse run against `url`, in a Chromium of its own. */
export async function lighthouseRun(url: string): Promise<Result> {
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...CHROMIUM_ARGS] });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo']
    });
    if (!result) throw new Error('lighthouse returned nothing');
    return result.lhr;
  } finally {
    chrome.kill();
  }
}

/** A report's category scores, its main metrics, and the weighted audits scoring under 0.9. */
export function scoresOf({ categories, audits }: Result) {
  const failing = Object.values(categories).flatMap((c) =>
    c.auditRefs.filter((r) => r.weight > 0 && (audits[r.id]?.score ?? 1) < 0.9).map((r) => `${c.id}:${r.id}`)
  );
  return {
    performance: categories.performance?.score ?? null,
    accessibility: categories.accessibility?.score ?? null,
    bestPractices: categories['best-practices']?.score ?? null,
    seo: categories.seo?.score ?? null,
    metrics: {
      fcpMs: Math.round(audits['first-contentful-paint']?.numericValue ?? 0),
      lcpMs: Math.round(audits['largest-contentful-paint']?.numericValue ?? 0),
      tbtMs: Math.round(audits['total-blocking-time']?.numericValue ?? 0),
      cls: audits['cumulative-layout-shift']?.numericValue ?? null
    },
    belowNinety: failing
  };
}

/**
 * Several runs of one page summed up as Lighthouse's variability guide advises: the scores of the
 * run nearest the median first paint and time to interactive (its own `computeMedianRun`; five runs
 * halve the spread of one), with every run's performance and total blocking time beside them.
 */
export function medianRunScores(runs: readonly Result[]) {
  return {
    ...scoresOf(computeMedianRun([...runs])),
    runs: runs.map((r) => {
      const { performance, metrics } = scoresOf(r);
      return { performance, tbtMs: metrics.tbtMs };
    })
  };
}
