import { describe, expect, it } from 'vitest';
import { PublishGate } from '../../edge/src/contract.ts';
import { FIGURES, decideGate, formatGate, gateFigures, type Figure, type GatePhoto } from '../../training/src/gate.ts';

const cat = [0.9, 0.05, 0.05];
const dog = [0.1, 0.85, 0.05];
const neither = [0.1, 0.1, 0.8];
const unsure = [0.4, 0.35, 0.25];
const shared = (label: number, probabilities: number[]): GatePhoto => ({ label, feedback: false, probabilities });
const feedback = (label: number, probabilities: number[]): GatePhoto => ({ label, feedback: true, probabilities });

describe('the figures the gate compares', () => {
  it('cat/dog accuracy and non-pets turned away on the shared photos, verdict = label on the feedback ones', () => {
    const figures = gateFigures(
      [
        shared(0, cat),
        shared(1, cat), // wrong
        shared(1, dog),
        shared(0, unsure), // top class cat: right, as metadata.json counts it
        shared(2, neither),
        shared(2, unsure), // turned away
        shared(2, dog), // not turned away
        feedback(0, cat),
        feedback(2, unsure), // an unsure is not the label
        feedback(1, neither)
      ],
      0.5
    );
    expect(figures).toEqual([
      { name: FIGURES.petAccuracy, value: 3 / 4, n: 4 },
      { name: FIGURES.nonPetRejected, value: 2 / 3, n: 3 },
      { name: FIGURES.feedback, value: 1 / 3, n: 3 }
    ]);
  });

  it('a two-class model is comparable: its non-pets are turned away only when it is unsure', () => {
    const figures = gateFigures([shared(0, [0.9, 0.1]), shared(1, [0.3, 0.7]), shared(2, [0.55, 0.45]), shared(2, [0.95, 0.05]), feedback(2, [0.5, 0.5])], 0.6);
    expect(figures.map((f) => [f.value, f.n])).toEqual([
      [1, 2],
      [0.5, 2],
      [0, 1]
    ]);
  });

  it('a figure over no photos is null', () => {
    expect(gateFigures([shared(0, cat)], 0.5).map((f) => f.value)).toEqual([1, null, null]);
  });
});

describe('the decision', () => {
  const figs = (pet: number | null, nonPet: number | null, fb: number | null): Figure[] => [
    { name: FIGURES.petAccuracy, value: pet, n: 1000 },
    { name: FIGURES.nonPetRejected, value: nonPet, n: 800 },
    { name: FIGURES.feedback, value: fb, n: fb === null ? 0 : 30 }
  ];

  it('passes a drop of at most 0.3 points, refuses more, naming the figure', () => {
    expect(decideGate(figs(0.977, 0.97, 0.9), figs(0.98, 0.97, 0.9), '1.0.0', false)).toMatchObject({ passed: true, dropped: [] });
    const g = decideGate(figs(0.98, 0.966, 0.95), figs(0.98, 0.97, 0.9), '1.0.0', false);
    expect(g).toMatchObject({ passed: false, forced: false, dropped: [FIGURES.nonPetRejected], against: '1.0.0' });
    expect(g.figures[1]).toEqual({ name: FIGURES.nonPetRejected, candidate: 0.966, active: 0.97, n: 800 });
  });

  it('a figure without photos decides nothing; --force is recorded but does not change the verdict', () => {
    expect(decideGate(figs(0.98, 0.97, null), figs(0.98, 0.97, null), null, false).passed).toBe(true);
    const forced = decideGate(figs(0.5, 0.97, null), figs(0.98, 0.97, null), 'v1', true);
    expect(forced).toMatchObject({ passed: false, forced: true });
    const { dropped: _, ...gate } = forced;
    expect(PublishGate.parse(gate)).toEqual(gate);
  });

  it('refuses to compare figures measured on different photos', () => {
    const other = figs(0.98, 0.97, 0.9).map((f) => ({ ...f, n: f.n + 1 }));
    expect(() => decideGate(figs(0.98, 0.97, 0.9), other, 'v1', false)).toThrow(/not measured on the same photos/);
  });

  it('prints both models side by side with n and the change in points', () => {
    const text = formatGate(decideGate(figs(0.95, 0.97, null), figs(0.98, 0.97, null), 'v1', false), 'v2');
    expect(text).toContain('candidate v2');
    expect(text).toContain('active v1');
    expect(text).toMatch(/cat\/dog accuracy\s+1000\s+95\.00%\s+98\.00%\s+-3\.00/);
    expect(text).toMatch(/feedback test photos right\s+0\s+-\s+-\s+-/);
  });
});
