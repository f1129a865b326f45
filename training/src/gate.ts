/**
 * The publish gate, pure: the figures a candidate and the active model reach on the same photos,
 * and the decision. A figure may drop by at most MAX_DROP (0.3 points); one measured on no photos
 * is shown but decides nothing.
 */
import type { PublishGate } from '../../edge/src/contract.ts';
import { computeMetrics, verdictIndex } from './metrics.ts';
import { table } from './tracking.ts';

export const MAX_DROP = 0.003;

export const FIGURES = {
  petAccuracy: 'cat/dog accuracy',
  nonPetRejected: 'non-pets answered neither or unsure',
  feedback: 'feedback test photos right'
} as const;

export interface GatePhoto {
  /** 0 cat, 1 dog, 2 neither */
  label: number;
  /** a feedback photo held out for testing (else one of the shared test split) */
  feedback: boolean;
  probabilities: readonly number[];
}

export interface Figure {
  name: string;
  value: number | null;
  n: number;
}

/**
 * One model's figures: on the shared photos, cat/dog accuracy (top class, as metadata.json reports it)
 * and the share of non-pet photos answered neither or unsure; on the feedback photos, the share whose
 * verdict is their label (an unsure is a miss). A two-class model's neither share is its unsure share.
 */
export function gateFigures(photos: readonly GatePhoto[], threshold: number): Figure[] {
  const shared = photos.filter((p) => !p.feedback);
  const m = computeMetrics(shared.map((p) => p.probabilities), shared.map((p) => p.label), threshold);
  const pets = shared.filter((p) => p.label !== 2).length;
  const nonPets = shared.length - pets;
  const feedback = photos.filter((p) => p.feedback);
  const right = feedback.filter((p) => verdictIndex(p.probabilities, threshold) === p.label).length;
  return [
    { name: FIGURES.petAccuracy, value: pets ? m.accuracy : null, n: pets },
    { name: FIGURES.nonPetRejected, value: nonPets ? m.nonPetRejected : null, n: nonPets },
    { name: FIGURES.feedback, value: feedback.length ? right / feedback.length : null, n: feedback.length }
  ];
}

/** Side by side; the same photos, so the same n. Fails on the figures that dropped by more than MAX_DROP. */
export function decideGate(candidate: readonly Figure[], active: readonly Figure[], against: string | null, forced: boolean): PublishGate & { dropped: string[] } {
  const figures = candidate.map((c, i) => {
    const a = active[i]!;
    if (a.name !== c.name || a.n !== c.n) throw new Error(`gate: ${c.name} was not measured on the same photos (${c.n} vs ${a.n})`);
    return { name: c.name, candidate: c.value, active: a.value, n: c.n };
  });
  // A hair of slack for float rounding: 0.3 points exactly is still allowed.
  const dropped = figures.filter((f) => f.candidate !== null && f.active !== null && f.active - f.candidate > MAX_DROP + 1e-12).map((f) => f.name);
  return { against, passed: dropped.length === 0, forced, figures, dropped };
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);

export function formatGate(g: PublishGate, candidate: string): string {
  const rows = g.figures.map((f) => {
    const change = f.candidate === null || f.active === null ? '-' : `${f.candidate >= f.active ? '+' : ''}${((f.candidate - f.active) * 100).toFixed(2)}`;
    return [f.name, String(f.n), pct(f.candidate), pct(f.active), change];
  });
  return table(['figure', 'photos', `candidate ${candidate}`, `active ${g.against ?? '(none)'}`, 'change (points)'], rows);
}
