/** Lighthouse 12 category scores for a URL (mobile emulation), in Debian Chromium with the harness flags. */
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/e2e/harness.ts';

export async function lighthouseScores(url: string) {
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...CHROMIUM_ARGS] });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo']
    });
    if (!result) throw new Error('lighthouse returned nothing');
    const { categories, audits } = result.lhr;
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
  } finally {
    chrome.kill();
  }
}
