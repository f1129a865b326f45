import { describe, expect, it } from 'vitest';
import type { LabelIndex } from '../../training/src/data/scan.ts';
import { groupFigures } from '../../training/src/report.ts';

const ex = (source: string, label: LabelIndex, category = '') => ({ source, label, category, rel: `${source}/${label}`, reportOnly: false });

describe('figures per source and category', () => {
  it("counts a pet right only under its own label, a non-pet right when turned away, and gives each source's total", () => {
    const examples = [ex('cd', 0), ex('cd', 1), ex('np', 2, 'food'), ex('np', 2, 'food'), ex('np', 2, 'cars')];
    const probs = [
      [0.9, 0.05, 0.05], // cat → cat
      [0.2, 0.3, 0.5], // dog → neither: a miss
      [0.1, 0.1, 0.8], // food → neither
      [0.4, 0.35, 0.25], // food → unsure at 0.5: turned away
      [0.1, 0.8, 0.1] // car → dog: a miss
    ];
    expect(groupFigures(examples, probs, 0.5)).toEqual([
      { group: 'cd', n: 2, ok: 0.5 },
      { group: 'cd/cat', n: 1, ok: 1 },
      { group: 'cd/dog', n: 1, ok: 0 },
      { group: 'np', n: 3, ok: 2 / 3 },
      { group: 'np/cars', n: 1, ok: 0 },
      { group: 'np/food', n: 2, ok: 1 }
    ]);
  });
});
