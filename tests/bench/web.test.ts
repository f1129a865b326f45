/**
 * bench:web's pure parts: whether installed packages serve an older checkout, the longest main-thread
 * task of a trace, and which Lighthouse run stands for several.
 */
import type { Result } from 'lighthouse';
import { describe, expect, it } from 'vitest';
import { medianRunScores } from '../../bench/lighthouse.ts';
import { longestMainThreadTaskMs, type TraceEvent } from '../../bench/trace.ts';
import { lockCovers } from '../../bench/web-build.ts';

describe('bench:web', () => {
  it('shares node_modules with a checkout only when every package it locks is installed at its version', () => {
    const current = { packages: { '': { version: '0.2.0' }, 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '2.0.0' } } };
    expect(lockCovers(current, { packages: { '': { version: '0.1.0' }, 'node_modules/a': { version: '1.0.0' } } })).toBe(true);
    expect(lockCovers(current, { packages: { 'node_modules/a': { version: '0.9.0' } } })).toBe(false);
    expect(lockCovers(current, { packages: { 'node_modules/c': { version: '1.0.0' } } })).toBe(false);
  });

  it('takes the longest top-level task on the renderer main threads, in ms', () => {
    const meta = (pid: number, tid: number, name: string): TraceEvent => ({ name: 'thread_name', ph: 'M', pid, tid, args: { name } });
    const task = (pid: number, tid: number, dur: number, name = 'ThreadControllerImpl::RunTask'): TraceEvent => ({ name, ph: 'X', pid, tid, dur });
    const events = [meta(1, 1, 'CrRendererMain'), meta(1, 2, 'DedicatedWorker thread'), meta(2, 1, 'CrRendererMain'), task(1, 1, 12_300), task(2, 1, 7_000, 'RunTask'), task(1, 2, 900_000), task(3, 3, 800_000)];
    expect(longestMainThreadTaskMs(events)).toBe(12.3);
    expect(longestMainThreadTaskMs([meta(1, 1, 'CrRendererMain')])).toBe(0);
  });

  it('reports the Lighthouse run nearest the median first paint and time to interactive, and lists every run', () => {
    const run = (fcp: number, tti: number, performance: number, tbt: number) =>
      ({
        categories: { performance: { id: 'performance', score: performance, auditRefs: [{ id: 'total-blocking-time', weight: 30 }] } },
        audits: {
          'first-contentful-paint': { numericValue: fcp },
          interactive: { numericValue: tti },
          'total-blocking-time': { numericValue: tbt, score: performance }
        }
      }) as unknown as Result;
    // The middle run by paint and interactivity, whether or not its score is the middle one.
    const summary = medianRunScores([run(900, 4000, 0.97, 90), run(2500, 9000, 0.7, 900), run(1200, 5000, 0.93, 150), run(1000, 4500, 0.8, 420), run(1600, 6000, 0.95, 120)]);
    expect(summary).toMatchObject({ performance: 0.93, metrics: { fcpMs: 1200, tbtMs: 150 }, belowNinety: [] });
    expect(summary.runs).toEqual([
      { performance: 0.97, tbtMs: 90 },
      { performance: 0.7, tbtMs: 900 },
      { performance: 0.93, tbtMs: 150 },
      { performance: 0.8, tbtMs: 420 },
      { performance: 0.95, tbtMs: 120 }
    ]);
    expect(medianRunScores([run(1000, 4500, 0.8, 420)]).belowNinety).toEqual(['performance:total-blocking-time']);
  });
});
