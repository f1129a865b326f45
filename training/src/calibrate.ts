/**
 * Calibration on validation data only (pure): a bias added to the "neither" logit (folded into the
 * exported classifier's bias, so the app needs nothing new) and the "unsure" threshold. A verdict is
 * the top class when its probability reaches the threshold, else "unsure". Both trade the two ways of
 * being wrong: a pet turned away ("neither"/"unsure") against a non-pet called a cat or a dog.
 */
import { NEITHER, verdictIndex } from './metrics.ts';

export interface Calibration {
  /** added to the neither logit; 0 leaves the model as trained */
  neitherBias: number;
  threshold: number;
  /** on the validation data it was chosen on */
  petRight: number;
  petRejected: number;
  nonPetRejected: number;
}

export interface CalibrationTargets {
  /** largest share of cat/dog photos that may be answered neither or unsure */
  petRejected: number;
  /** share of non-pet photos that should be answered neither or unsure */
  nonPetRejected: number;
}

const MIN_THRESHOLD = 0.5;

/** Probabilities as if `bias` had been added to the neither logit. */
export function withNeitherBias(p: readonly number[], bias: number): number[] {
  if (p.length <= NEITHER || bias === 0) return [...p];
  const w = Math.exp(bias);
  const z = p.reduce((a, v, k) => a + (k === NEITHER ? v * w : v), 0);
  return p.map((v, k) => (k === NEITHER ? v * w : v) / z);
}

function figures(probs: readonly (readonly number[])[], labels: readonly number[], threshold: number) {
  let pets = 0;
  let petRight = 0;
  let petRejected = 0;
  let nonPets = 0;
  let nonPetRejected = 0;
  probs.forEach((p, i) => {
    const v = verdictIndex(p, threshold);
    if (labels[i] === NEITHER) {
      nonPets++;
      if (v >= 2) nonPetRejected++;
    } else {
      pets++;
      if (v === labels[i]) petRight++;
      if (v >= 2) petRejected++;
    }
  });
  const share = (a: number, b: number) => (b ? a / b : 0);
  return { petRight: share(petRight, pets), petRejected: share(petRejected, pets), nonPetRejected: share(nonPetRejected, nonPets) };
}

/**
 * The (bias, threshold) with the largest worst-case margin over the two targets on validation:
 * max of min(target - petRejected, nonPetRejected - target). Pets called the other pet are left out:
 * neither the bias nor the threshold can mend a cat/dog mix-up. Ties go to the smaller change.
 */
export function calibrate(
  probs: readonly (readonly number[])[],
  labels: readonly number[],
  targets: CalibrationTargets,
  grid = { biases: range(-3, 2, 0.25), thresholds: range(MIN_THRESHOLD, 0.95, 0.01) }
): Calibration {
  let best: (Calibration & { margin: number; cost: number }) | null = null;
  for (const neitherBias of grid.biases) {
    const biased = probs.map((p) => withNeitherBias(p, neitherBias));
    for (const threshold of grid.thresholds) {
      const f = figures(biased, labels, threshold);
      const margin = Math.min(targets.petRejected - f.petRejected, f.nonPetRejected - targets.nonPetRejected);
      const cost = Math.abs(neitherBias) + (threshold - MIN_THRESHOLD);
      if (!best || margin > best.margin + 1e-12 || (Math.abs(margin - best.margin) <= 1e-12 && cost < best.cost)) {
        best = { neitherBias, threshold, ...f, margin, cost };
      }
    }
  }
  const { margin: _margin, cost: _cost, ...choice } = best!;
  return choice;
}

/** a, a+step, … up to b, rounded so the grid has no drift from repeated addition */
export function range(a: number, b: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 0; a + k * step <= b + 1e-9; k++) out.push(Math.round((a + k * step) * 1e6) / 1e6);
  return out;
}
