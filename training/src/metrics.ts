/**
 * Binary classification metrics for cat (0) vs dog (1), computed from P(dog) per example.
 * Pure functions: no tfjs, no I/O, so they are tested directly on hand-computed cases.
 */
export const LABELS = ['cat', 'dog'] as const;

export interface ClassMetrics {
  cat: number;
  dog: number;
}

export interface Metrics {
  n: number;
  accuracy: number;
  precision: ClassMetrics;
  recall: ClassMetrics;
  f1: ClassMetrics;
  logLoss: number;
  rocAuc: number;
  ece: number;
  /** rows actual [cat, dog], columns predicted [cat, dog] */
  confusion: [[number, number], [number, number]];
}

const EPS = 1e-7;
const safeDiv = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function confusionMatrix(pDog: readonly number[], labels: readonly number[]): [[number, number], [number, number]] {
  const m: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0]
  ];
  pDog.forEach((p, i) => {
    const pred = p >= 0.5 ? 1 : 0;
    m[labels[i] === 1 ? 1 : 0][pred]++;
  });
  return m;
}

export function logLoss(pDog: readonly number[], labels: readonly number[]): number {
  let s = 0;
  pDog.forEach((p, i) => {
    const q = Math.min(1 - EPS, Math.max(EPS, p));
    s -= labels[i] === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return safeDiv(s, pDog.length);
}

/** Area under the ROC curve as the Mann-Whitney statistic; ties count one half. */
export function rocAuc(pDog: readonly number[], labels: readonly number[]): number {
  const idx = pDog.map((_, i) => i).sort((a, b) => pDog[a]! - pDog[b]!);
  // Average ranks over ties.
  const ranks = new Array<number>(pDog.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && pDog[idx[j + 1]!] === pDog[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  labels.forEach((l, i) => {
    if (l === 1) {
      nPos++;
      rankSum += ranks[i]!;
    }
  });
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Expected calibration error of the top-class confidence (max(p, 1-p)) over `bins` equal-width bins
 * on [0.5, 1]: sum over bins of |accuracy - mean confidence| weighted by the bin's share.
 */
export function expectedCalibrationError(pDog: readonly number[], labels: readonly number[], bins = 10): number {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  pDog.forEach((p, i) => {
    const c = Math.max(p, 1 - p);
    const b = Math.min(bins - 1, Math.floor(((c - 0.5) / 0.5) * bins));
    count[b]!++;
    conf[b]! += c;
    if ((p >= 0.5 ? 1 : 0) === labels[i]) correct[b]!++;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    ece += (count[b]! / pDog.length) * Math.abs(correct[b]! / count[b]! - conf[b]! / count[b]!);
  }
  return ece;
}

export function computeMetrics(pDog: readonly number[], labels: readonly number[]): Metrics {
  if (pDog.length !== labels.length) throw new Error('predictions and labels differ in length');
  const m = confusionMatrix(pDog, labels);
  const [[cc, cd], [dc, dd]] = m;
  const precision = { cat: safeDiv(cc, cc + dc), dog: safeDiv(dd, dd + cd) };
  const recall = { cat: safeDiv(cc, cc + cd), dog: safeDiv(dd, dd + dc) };
  const f1 = {
    cat: safeDiv(2 * precision.cat * recall.cat, precision.cat + recall.cat),
    dog: safeDiv(2 * precision.dog * recall.dog, precision.dog + recall.dog)
  };
  return {
    n: pDog.length,
    accuracy: safeDiv(cc + dd, pDog.length),
    precision,
    recall,
    f1,
    logLoss: logLoss(pDog, labels),
    rocAuc: rocAuc(pDog, labels),
    ece: expectedCalibrationError(pDog, labels),
    confusion: m
  };
}

export interface UnsureChoice {
  threshold: number;
  unsureFraction: number;
  /** accuracy on the examples at or above the threshold */
  accuracyAnswered: number;
}

/**
 * The confidence below which the app says "unsure": among thresholds that leave at most
 * `maxUnsure` of examples unanswered, the one with the best accuracy on the rest (lowest on ties).
 */
export function chooseUnsureThreshold(pDog: readonly number[], labels: readonly number[], maxUnsure = 0.03): UnsureChoice {
  const items = pDog
    .map((p, i) => ({ c: Math.max(p, 1 - p), ok: (p >= 0.5 ? 1 : 0) === labels[i] }))
    .sort((a, b) => a.c - b.c);
  const n = items.length;
  let correctAbove = items.filter((x) => x.ok).length;
  let best: UnsureChoice = { threshold: 0.5, unsureFraction: 0, accuracyAnswered: safeDiv(correctAbove, n) };
  // Threshold t = items[k].c leaves items[0..k-1] unsure (when confidences are distinct).
  for (let k = 1; k < n && k / n <= maxUnsure; k++) {
    correctAbove -= items[k - 1]!.ok ? 1 : 0;
    if (items[k]!.c === items[k - 1]!.c) continue;
    const acc = correctAbove / (n - k);
    if (acc > best.accuracyAnswered) best = { threshold: items[k]!.c, unsureFraction: k / n, accuracyAnswered: acc };
  }
  return best;
}

/** Indices of misclassified examples, most confidently wrong first. */
export function worstMistakes(pDog: readonly number[], labels: readonly number[], limit = 10): number[] {
  return pDog
    .map((p, i) => ({ i, wrong: labels[i] === 1 ? 1 - p : p }))
    .filter((x) => x.wrong > 0.5)
    .sort((a, b) => b.wrong - a.wrong)
    .slice(0, limit)
    .map((x) => x.i);
}
