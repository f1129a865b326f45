/**
 * The longest task on the page's main thread while something happens, from a Chromium trace (every
 * task, also those under the Long Tasks API's 50 ms floor). The task parser is pure.
 */
import type { Page } from 'playwright-core';

export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

/** Chromium's names for a top-level task (`RunTask` in DevTools' timeline, the scheduler's own in `toplevel`). */
const TASKS = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

/** The longest top-level task (ms) on any renderer main thread in the trace; 0 when there is none. */
export function longestMainThreadTaskMs(events: readonly TraceEvent[]): number {
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  let longest = 0;
  for (const e of events) {
    if (TASKS.has(e.name) && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`)) longest = Math.max(longest, (e.dur ?? 0) / 1000);
  }
  return Math.round(longest * 10) / 10;
}

/** Runs `act` while tracing the browser and returns the longest main-thread task it saw (ms). */
export async function longestTaskDuring(page: Page, act: () => Promise<unknown>): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  // The protocol types trace events as string maps; they are Chromium's trace event objects.
  cdp.on('Tracing.dataCollected', (e) => void events.push(...(e.value as unknown as TraceEvent[])));
  try {
    await cdp.send('Tracing.start', { categories: 'toplevel,disabled-by-default-devtools.timeline,__metadata', transferMode: 'ReportEvents' });
    try {
      await act();
    } finally {
      const complete = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
      await cdp.send('Tracing.end');
      await complete;
    }
  } finally {
    await cdp.detach();
  }
  return longestMainThreadTaskMs(events);
}
