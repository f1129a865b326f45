/**
 * The live camera verdict: the model's probabilities averaged over the last few frames, so the answer
 * does not flicker from frame to frame, then the one verdict rule; and the pace of frames. Pure.
 */
import type { Label } from '../../../edge/src/contract';
import { verdictFor, type Probabilities, type VerdictResult } from './classifier/verdict';

/** At most this many classifications a second: a phone's battery matters more than a faster answer. */
export const LIVE_MAX_PER_SECOND = 5;
/** Frames averaged: about a second of camera at full pace. */
export const LIVE_WINDOW = 5;

export interface LiveVerdict extends VerdictResult {
  /** The averaged probabilities the verdict comes from. */
  probabilities: Probabilities;
  /** How many frames are in the average. */
  frames: number;
}

const labelsOf = (p: Probabilities) => (Object.keys(p) as Label[]).sort().join();

export class Smoother {
  private recent: Probabilities[] = [];

  constructor(private readonly window = LIVE_WINDOW) {}

  /** Adds a frame's probabilities; returns the verdict over the last `window` frames. */
  push(p: Probabilities, threshold: number): LiveVerdict {
    // Another model (other labels) answered: its frames do not average with the old ones.
    if (this.recent[0] && labelsOf(this.recent[0]) !== labelsOf(p)) this.recent = [];
    this.recent.push(p);
    if (this.recent.length > this.window) this.recent.shift();
    const mean = { ...p };
    for (const label of Object.keys(p) as Label[]) mean[label] = this.recent.reduce((sum, f) => sum + f[label]!, 0) / this.recent.length;
    return { ...verdictFor(mean, threshold), probabilities: mean, frames: this.recent.length };
  }
}

/** Milliseconds to wait before the next frame, so that frames start at most `perSecond` times a second. */
export function nextFrameDelay(lastStart: number, now: number, perSecond = LIVE_MAX_PER_SECOND): number {
  return Math.max(0, lastStart + 1000 / perSecond - now);
}
