/** The live camera verdict: averaged over the last frames, the one verdict rule, and the pace of frames. */
import { describe, expect, it } from 'vitest';
import { LIVE_MAX_PER_SECOND, LIVE_WINDOW, nextFrameDelay, Smoother } from '../../web/src/lib/live.ts';

describe('live verdict', () => {
  it('averages the last frames, so one odd frame does not flip it', () => {
    const s = new Smoother(3);
    s.push({ cat: 0.9, dog: 0.05, neither: 0.05 }, 0.6);
    s.push({ cat: 0.9, dog: 0.05, neither: 0.05 }, 0.6);
    const odd = s.push({ cat: 0.1, dog: 0.85, neither: 0.05 }, 0.6);
    expect(odd).toMatchObject({ verdict: 'cat', label: 'cat', frames: 3 });
    expect(odd.confidence).toBeCloseTo((0.9 + 0.9 + 0.1) / 3, 10);
  });

  it('forgets frames older than the window, and says "not sure" below the threshold', () => {
    const s = new Smoother(2);
    s.push({ cat: 0.95, dog: 0.05 }, 0.7);
    s.push({ cat: 0.2, dog: 0.8 }, 0.7);
    expect(s.push({ cat: 0.2, dog: 0.8 }, 0.7)).toMatchObject({ verdict: 'dog', frames: 2 });
    expect(s.push({ cat: 0.55, dog: 0.45 }, 0.7)).toMatchObject({ verdict: 'unsure', label: 'dog', frames: 2 });
  });

  it('starts over when another model (other labels) answers', () => {
    const s = new Smoother();
    s.push({ cat: 0.1, dog: 0.9 }, 0.6);
    expect(s.push({ cat: 0.1, dog: 0.1, neither: 0.8 }, 0.6)).toMatchObject({ verdict: 'neither', frames: 1 });
    expect(LIVE_WINDOW).toBeGreaterThan(1);
  });

  it('starts frames at most LIVE_MAX_PER_SECOND times a second, at once when the last one took longer', () => {
    const gap = 1000 / LIVE_MAX_PER_SECOND;
    expect(LIVE_MAX_PER_SECOND).toBeLessThanOrEqual(5);
    expect(nextFrameDelay(1000, 1000)).toBe(gap);
    expect(nextFrameDelay(1000, 1000 + gap / 2)).toBe(gap / 2);
    expect(nextFrameDelay(1000, 1000 + 3 * gap)).toBe(0);
    expect(nextFrameDelay(-Infinity, 5)).toBe(0);
  });
});
