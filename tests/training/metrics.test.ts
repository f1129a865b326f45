import { describe, expect, it } from 'vitest';
import { chooseThreshold } from '../../training/src/calibrate.ts';
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

describe('the unsure threshold', () => {
  it('is the highest that turns away at most the allowed share of validation pets', () => {
    const pets = [[0.95, 0.05, 0], [0.9, 0.1, 0], [0.8, 0.2, 0], [0.7, 0.3, 0]];
    const nonPets = [[0.6, 0.1, 0.3], [0.1, 0.1, 0.8]];
    const all = [...pets, ...nonPets];
    const y = [0, 0, 0, 0, 2, 2];
    const t = chooseThreshold(all, y, 0.25);
    // 0.7 may go (1 of 4 pets), 0.8 may not: thresholds up to 0.8 keep it at 1/4
    expect(t.threshold).toBeCloseTo(0.8, 6);
    expect(t.petRejected).toBe(0.25);
    expect(t.nonPetRejected).toBe(1);
    expect(chooseThreshold(all, y, 0).threshold).toBeCloseTo(0.7, 6);
  });
});
