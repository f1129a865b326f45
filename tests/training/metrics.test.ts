import { describe, expect, it } from 'vitest';
import {
  chooseUnsureThreshold,
  computeMetrics,
  confusionMatrix,
  expectedCalibrationError,
  logLoss,
  rocAuc,
  worstMistakes
} from '../../training/src/metrics.ts';

// Hand-computed case: 6 examples, labels cat=0 dog=1.
//   p(dog): 0.9 (dog, right) 0.8 (cat, wrong) 0.3 (cat, right) 0.6 (dog, right) 0.4 (dog, wrong) 0.1 (cat, right)
const p = [0.9, 0.8, 0.3, 0.6, 0.4, 0.1];
const y = [1, 0, 0, 1, 1, 0];

describe('metrics', () => {
  it('confusion matrix has rows actual, columns predicted', () => {
    // cats: 0.8→dog, 0.3→cat, 0.1→cat; dogs: 0.9→dog, 0.6→dog, 0.4→cat
    expect(confusionMatrix(p, y)).toEqual([
      [2, 1],
      [1, 2]
    ]);
  });

  it('accuracy, precision, recall, F1 per class', () => {
    const m = computeMetrics(p, y);
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision.cat).toBeCloseTo(2 / 3, 12);
    expect(m.precision.dog).toBeCloseTo(2 / 3, 12);
    expect(m.recall.cat).toBeCloseTo(2 / 3, 12);
    expect(m.recall.dog).toBeCloseTo(2 / 3, 12);
    expect(m.f1.dog).toBeCloseTo(2 / 3, 12);
  });

  it('log loss is the mean negative log likelihood', () => {
    const expected = -(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.6) + Math.log(0.4) + Math.log(0.9)) / 6;
    expect(logLoss(p, y)).toBeCloseTo(expected, 12);
    // clipped, never infinite
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });

  it('ROC AUC counts ordered positive/negative pairs, ties as one half', () => {
    // positives {0.9, 0.6, 0.4}, negatives {0.8, 0.3, 0.1}: pairs won = 0.9>all (3) + 0.6>0.3,0.1 (2) + 0.4>0.3,0.1 (2) = 7 of 9
    expect(rocAuc(p, y)).toBeCloseTo(7 / 9, 12);
    expect(rocAuc([0.5, 0.5], [1, 0])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.2, 0.7], [0, 1])).toBe(1);
    expect(Number.isNaN(rocAuc([0.2], [1]))).toBe(true);
  });

  it('ECE weighs |accuracy - confidence| per confidence bin', () => {
    // confidences: 0.9 ok, 0.8 wrong, 0.7 ok, 0.6 ok, 0.6 wrong, 0.9 ok
    // bins of width 0.05 on [0.5,1]: 0.9 → bin 8 {ok, ok}: |1 - 0.9| * 2/6
    //   0.8 → bin 6 {wrong}: |0 - 0.8| * 1/6; 0.7 → bin 4 {ok}: |1-0.7| * 1/6; 0.6 → bin 2 {ok, wrong}: |0.5-0.6| * 2/6
    const expected = (0.1 * 2 + 0.8 + 0.3 + 0.1 * 2) / 6;
    expect(expectedCalibrationError(p, y, 10)).toBeCloseTo(expected, 10);
    expect(expectedCalibrationError([1, 0], [1, 0])).toBeCloseTo(0, 12);
  });

  it('unsure threshold: best accuracy on the rest with at most maxUnsure unanswered', () => {
    // 100 examples: 97 confident and right (p=0.99 dog), 2 wrong at confidence 0.55 and 0.6, 1 right at 0.7
    const probs = [...new Array(97).fill(0.99), 0.45, 0.4, 0.7];
    const labels = [...new Array(97).fill(1), 1, 1, 1];
    const c = chooseUnsureThreshold(probs, labels, 0.03);
    // leaving out the two wrong ones (2%) gives 98/98 answered right
    expect(c.threshold).toBeCloseTo(0.7, 12);
    expect(c.unsureFraction).toBeCloseTo(0.02, 12);
    expect(c.accuracyAnswered).toBe(1);
    // with no room for unsure answers the threshold stays at 0.5
    expect(chooseUnsureThreshold(probs, labels, 0).threshold).toBe(0.5);
  });

  it('worst mistakes are the most confidently wrong first', () => {
    expect(worstMistakes(p, y)).toEqual([1, 4]);
  });
});
