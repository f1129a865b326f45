/** bench:web's pure parts: whether installed packages serve an older checkout, and the longest main-thread task of a trace. */
import { describe, expect, it } from 'vitest';
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
});
