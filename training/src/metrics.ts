/**
 * Classification metrics over the labels cat (0), dog (1) and neither (2), from the model's
 * probabilities and the app's verdict rule. Pure functions: no tfjs, no I/O, tested directly on
 * hand-computed cases. A two-class model's probabilities simply have two entries.
 */
import { LABELS } from '../../edge/src/contract.ts';
import { verdictFor } from '../../web/src/lib/classifier/verdict.ts';

export { LABELS };
export type LabelIndex = 0 | 1 | 2;
export const NEITHER = 2;

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Metrics {
  n: number;
  /** pet photos (cat or dog) whose top class is their own label */
  accuracy: number;
  /** pet photos whose cat-vs-dog choice is right, ignoring "neither" (comparable with two-class models) */
  catDogAccuracy: number;
  perClass: Record<(typeof LABELS)[number], ClassScores>;
  /** rows actual, columns predicted (top class), in LABELS order */
  confusion: number[][];
  logLoss: number;
  /** expected calibration error of the top-class probability */
  ece: number;
  /** at the threshold: rows actual, columns verdict [cat, dog, neither, unsure] */
  verdicts: number[][];
  threshold: number;
  /** share of non-pet photos answered "neither" or "unsure" */
  nonPetRejected: number;
  /** share of pet photos answered "neither" or "unsure" */
  petRejected: number;
  /** share of pet photos answered with their own label (a "Not sure" is a miss) */
  petRight: number;
}

const EPS = 1e-7;
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function argmax(p: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}

/** The app's verdict as an index: 0 cat, 1 dog, 2 neither, 3 unsure. */
export function verdictIndex(p: readonly number[], threshold: number): number {
  const v = verdictFor({ cat: p[0]!, dog: p[1]!, ...(p.length > 2 ? { neither: p[2]! } : {}) }, threshold).verdict;
  return v === 'unsure' ? 3 : LABELS.indexOf(v);
}

export function confusionMatrix(probs: readonly (readonly number[])[], labels: readonly number[], k = LABELS.length): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  probs.forEach((p, i) => m[labels[i]!]![argmax(p)]!++);
  return m;
}

export function classScores(m: readonly (readonly number[])[], c: number): ClassScores {
  const tp = m[c]![c]!;
  const predicted = m.reduce((a, row) => a + row[c]!, 0);
  const support = m[c]!.reduce((a, v) => a + v, 0);
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, support);
  return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
}

export function logLoss(probs: readonly (readonly number[])[], labels: readonly number[]): number {
  let s = 0;
  probs.forEach((p, i) => (s -= Math.log(Math.min(1 - EPS, Math.max(EPS, p[labels[i]!] ?? 0)))));
  return ratio(s, probs.length);
}

/** Sum over `bins` equal-width confidence bins of |accuracy - mean confidence|, weighted by the bin's share. */
export function expectedCalibrationError(probs: readonly (readonly number[])[], labels: readonly number[], bins = 10): number {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  probs.forEach((p, i) => {
    const top = argmax(p);
    const c = p[top]!;
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b]!++;
    conf[b]! += c;
    if (top === labels[i]) correct[b]!++;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]) ece += (count[b]! / probs.length) * Math.abs(correct[b]! / count[b]! - conf[b]! / count[b]!);
  return ece;
}

export function computeMetrics(probs: readonly (readonly number[])[], labels: readonly number[], threshold: number): Metrics {
  if (probs.length !== labels.length) throw new Error('predictions and labels differ in length');
  const confusion = confusionMatrix(probs, labels);
  const verdicts = Array.from({ length: LABELS.length }, () => [0, 0, 0, 0]);
  probs.forEach((p, i) => verdicts[labels[i]!]![verdictIndex(p, threshold)]!++);
  const pets = labels.map((l, i) => (l === NEITHER ? -1 : i)).filter((i) => i >= 0);
  const nPets = pets.length;
  const nNonPets = labels.length - nPets;
  const petOwn = pets.filter((i) => argmax(probs[i]!) === labels[i]).length;
  const catDog = pets.filter((i) => (probs[i]![1]! > probs[i]![0]! ? 1 : 0) === labels[i]).length;
  const rejected = (row: number[]) => row[2]! + row[3]!;
  return {
    n: probs.length,
    accuracy: ratio(petOwn, nPets),
    catDogAccuracy: ratio(catDog, nPets),
    perClass: { cat: classScores(confusion, 0), dog: classScores(confusion, 1), neither: classScores(confusion, 2) },
    confusion,
    logLoss: logLoss(probs, labels),
    ece: expectedCalibrationError(probs, labels),
    verdicts,
    threshold,
    nonPetRejected: ratio(rejected(verdicts[2]!), nNonPets),
    petRejected: ratio(rejected(verdicts[0]!) + rejected(verdicts[1]!), nPets),
    petRight: ratio(verdicts[0]![0]! + verdicts[1]![1]!, nPets)
  };
}

/** Indices of misclassified examples (top class wrong), most confidently wrong first. */
export function worstMistakes(probs: readonly (readonly number[])[], labels: readonly number[], limit = 10): number[] {
  return probs
    .map((p, i) => ({ i, top: argmax(p), conf: p[argmax(p)]! }))
    .filter((x) => x.top !== labels[x.i])
    .sort((a, b) => b.conf - a.conf)
    .slice(0, limit)
    .map((x) => x.i);
}
