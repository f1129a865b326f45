/**
 * The "unsure" threshold, chosen on validation data only (pure). A verdict is the top class when its
 * probability reaches the threshold, else "unsure"; a higher threshold turns more non-pet photos
 * (and more real pets) into "unsure". The rule: the highest threshold that leaves at most
 * `maxPetRejected` of the validation cat and dog photos answered "neither" or "unsure".
 */
import { NEITHER, verdictIndex } from './metrics.ts';

export interface ThresholdChoice {
  threshold: number;
  /** on the validation data it was chosen on */
  petRejected: number;
  nonPetRejected: number;
}

const MIN = 0.5;

export function chooseThreshold(probs: readonly (readonly number[])[], labels: readonly number[], maxPetRejected: number, step = 0.005): ThresholdChoice {
  const pets = probs.filter((_, i) => labels[i] !== NEITHER);
  const nonPets = probs.filter((_, i) => labels[i] === NEITHER);
  const share = (set: readonly (readonly number[])[], t: number) => (set.length ? set.filter((p) => verdictIndex(p, t) >= 2).length / set.length : 0);
  let best: ThresholdChoice = { threshold: MIN, petRejected: share(pets, MIN), nonPetRejected: share(nonPets, MIN) };
  for (let k = 1; MIN + k * step < 1; k++) {
    // Rounded, so the thresholds tried are exactly the grid (no drift from repeated addition).
    const t = Math.round((MIN + k * step) * 1e6) / 1e6;
    const petRejected = share(pets, t);
    if (petRejected > maxPetRejected) break;
    best = { threshold: t, petRejected, nonPetRejected: share(nonPets, t) };
  }
  return best;
}
