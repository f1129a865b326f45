import { describe, expect, it } from 'vitest';
import { calibrate, range, withNeitherBias } from '../../training/src/calibrate.ts';
import { computeMetrics, confusionMatrix, expectedCalibrationError, logLoss, verdictIndex, worstMistakes } from '../../training/src/metrics.ts';

// Hand-computed case: 8 photos, labels cat=0 dog=1 neither=2, probabilities [cat, dog, neither].
const probs = [
  [0.9, 0.05, 0.05], // cat → cat (sure)
  [0.55, 0.4, 0.05], // cat → cat, below a 0.6 threshold: unsure
  [0.2, 0.1, 0.7], // cat → neither
  [0.1, 0.85, 0.05], // dog → dog
  [0.7, 0.2, 0.1], // dog → cat
  [0.05, 0.15, 0.8], // neither → neither
  [0.3, 0.3, 0.4], // neither → neither, below 0.6: unsure
  [0.1, 0.75, 0.15] // neither → dog
];
const labels = [0, 0, 0, 1, 1, 2, 2, 2];

describe('three-class metrics', () => {
  it('confusion matrix: rows actual, columns top class', () => {
    expect(confusionMatrix(probs, labels)).toEqual([
      [2, 0, 1],
      [1, 1, 0],
      [0, 1, 2]
    ]);
  });

  it('pet accuracy, cat-vs-dog accuracy, per-class precision/recall/F1', () => {
    const m = computeMetrics(probs, labels, 0.6);
    expect(m.n).toBe(8);
    // pets: 2 of 3 cats and 1 of 2 dogs get their own top class
    expect(m.accuracy).toBeCloseTo(3 / 5, 12);
    // cat vs dog only: the neither-called cat (0.2 > 0.1) is a cat; the cat-called dog is wrong
    expect(m.catDogAccuracy).toBeCloseTo(4 / 5, 12);
    expect(m.perClass.cat).toEqual({ precision: 2 / 3, recall: 2 / 3, f1: expect.closeTo(2 / 3, 12), support: 3 });
    expect(m.perClass.dog.precision).toBeCloseTo(1 / 2, 12);
    expect(m.perClass.dog.recall).toBeCloseTo(1 / 2, 12);
    expect(m.perClass.neither.precision).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.neither.recall).toBeCloseTo(2 / 3, 12);
  });

  it("verdicts at the threshold: shares turned away and right, as the app answers", () => {
    const m = computeMetrics(probs, labels, 0.6);
    // rows actual, columns verdict [cat, dog, neither, unsure]
    expect(m.verdicts).toEqual([
      [1, 0, 1, 1],
      [1, 1, 0, 0],
      [0, 1, 1, 1]
    ]);
    expect(m.petRejected).toBeCloseTo(2 / 5, 12);
    expect(m.nonPetRejected).toBeCloseTo(2 / 3, 12);
    expect(m.petRight).toBeCloseTo(2 / 5, 12);
  });

  it('a two-class model (no neither output) is measured the same way', () => {
    const two = [
      [0.9, 0.1],
      [0.3, 0.7],
      [0.55, 0.45]
    ];
    const m = computeMetrics(two, [0, 1, 2], 0.6);
    expect(m.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0]
    ]);
    expect(verdictIndex([0.55, 0.45], 0.6)).toBe(3);
    expect(m.nonPetRejected).toBe(1);
  });

  it('log loss and calibration error', () => {
    expect(logLoss([[0.5, 0.25, 0.25]], [0])).toBeCloseTo(Math.log(2), 12);
    // one bin: confidence 0.9, accuracy 1/2 → |0.5 - 0.9|
    expect(expectedCalibrationError([[0.9, 0.05, 0.05], [0.05, 0.9, 0.05]], [0, 0])).toBeCloseTo(0.4, 12);
  });

  it('worst mistakes come most confident first', () => {
    expect(worstMistakes(probs, labels, 10)).toEqual([7, 2, 4]);
  });
});

describe('calibration on validation', () => {
  it('a neither bias is the softmax of shifted logits', () => {
    const logits = [1, 0.5, 2];
    const soft = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((a, u) => a + Math.exp(u), 0));
    const p = soft(logits);
    withNeitherBias(p, -1.5).forEach((v, k) => expect(v).toBeCloseTo(soft([1, 0.5, 0.5])[k]!, 12));
    expect(withNeitherBias([0.3, 0.7], 5)).toEqual([0.3, 0.7]);
  });

  it('picks the bias and threshold with the best worst-case margin over both targets', () => {
    // A cat that looks a lot like "neither"; a clear cat; two clear non-pets.
    const probs = [
      [0.3, 0.05, 0.65],
      [0.95, 0.03, 0.02],
      [0.02, 0.03, 0.95],
      [0.02, 0.03, 0.95]
    ];
    const labels = [0, 0, 2, 2];
    const c = calibrate(probs, labels, { petRejected: 0, nonPetRejected: 1 }, { biases: range(-2, 1, 0.5), thresholds: range(0.5, 0.9, 0.1) });
    // Bias -0.5 still calls the first cat "neither" (0.53); at -1 it is a cat at 0.509, so only the
    // 0.5 threshold keeps it, and the non-pets stay "neither" (0.87). -1.5 also works but changes more.
    expect(c.neitherBias).toBe(-1);
    expect(c.threshold).toBe(0.5);
    expect(c.petRight).toBe(1);
    expect(c.nonPetRejected).toBe(1);
  });

  it('grids have no drift', () => {
    expect(range(0.5, 0.6, 0.01)).toHaveLength(11);
    expect(range(0.5, 0.6, 0.01).at(-1)).toBe(0.6);
  });
});
