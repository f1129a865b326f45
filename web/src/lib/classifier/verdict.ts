/**
 * From a model's output to what the app says. One definition for the app, `npm run predict`,
 * `npm run eval` and training's threshold choice, so all of them measure the same behaviour.
 * Pure: no tfjs, no DOM.
 */
import type { Label, ModelLabels, Verdict } from '../../../../edge/src/contract';

/** Output probabilities by label; a two-class model has no `neither`. */
export type Probabilities = Partial<Record<Label, number>> & Record<'cat' | 'dog', number>;

export interface VerdictResult {
  verdict: Verdict;
  /** The most likely label, even when the verdict is "unsure". */
  label: Label;
  /** Probability of `label`. */
  confidence: number;
}

/** Names the model's output values with metadata.json's `labels` (index 0 = cat, 1 = dog, 2 = neither). */
export function probabilitiesOf(values: ArrayLike<number>, labels: ModelLabels): Probabilities {
  if (values.length !== labels.length) throw new Error(`the model outputs ${values.length} values, expected ${labels.length} (${labels.join(', ')})`);
  const out = { cat: 0, dog: 0 } as Probabilities;
  labels.forEach((l, i) => (out[l] = values[i]!));
  return out;
}

/** The most likely label, or "unsure" when its probability is below the model's threshold. */
export function verdictFor(p: Probabilities, threshold: number): VerdictResult {
  let label: Label = p.dog > p.cat ? 'dog' : 'cat';
  if (p.neither !== undefined && p.neither > p[label]) label = 'neither';
  const confidence = p[label]!;
  return { label, confidence, verdict: confidence < threshold ? 'unsure' : label };
}
