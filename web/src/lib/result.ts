/** How a verdict reads on screen, and which probabilities a result shows. Pure: no DOM, no tfjs. */
import type { Label, Verdict } from '../../../edge/src/contract';
import { LABELS } from '../../../edge/src/contract-constants';
import type { Probabilities, VerdictResult } from './classifier/verdict';

export const HEADLINES: Record<Verdict, string> = {
  cat: 'A cat',
  dog: 'A dog',
  neither: 'No cat or dog here',
  unsure: 'Not sure'
};

/** The labels the model gave a probability for, in output order: three, or two for an older model. */
export function outputLabels(p: Probabilities): Label[] {
  return LABELS.filter((l) => p[l] !== undefined);
}

/** What a screen reader says when a result appears: the verdict and how sure the model is. */
export function announcement({ verdict, label, confidence }: VerdictResult): string {
  const pct = `${(confidence * 100).toFixed(0)}%`;
  return verdict === 'unsure' ? `Not sure; it leans to ${label} (${pct}).` : `${HEADLINES[verdict]}, ${pct} sure.`;
}
