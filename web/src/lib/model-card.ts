/**
 * What the model card shows from metadata.json: the outcomes the model can give and its test-split
 * figures, for a three-class model and for an older two-class one alike. Pure.
 */
import type { Label, ModelMetadata } from '../../../edge/src/contract';
import { HEADLINES } from './result';

export interface ScoreRow {
  label: Label;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support?: number;
}

export interface ModelFigures {
  labels: Label[];
  /** Per-label precision, recall and F1, for the labels training reported. */
  scores: ScoreRow[];
  /** rows actual, columns predicted, in `labels` order; null when absent or not labels × labels */
  confusion: number[][] | null;
  /** Share of photos with no cat or dog answered "neither" or "unsure". */
  nonPetRejected: number | null;
  /** Share of cat and dog photos answered "neither" or "unsure". */
  petRejected: number | null;
}

export function modelFigures(metadata: ModelMetadata): ModelFigures {
  const m = metadata.metrics;
  const labels: Label[] = [...metadata.labels];
  const scores = labels
    .filter((l) => [m.precision, m.recall, m.f1].some((s) => s?.[l] !== undefined))
    .map((label) => ({ label, precision: m.precision?.[label] ?? null, recall: m.recall?.[label] ?? null, f1: m.f1?.[label] ?? null }));
  const square = m.confusion?.length === labels.length && m.confusion.every((row) => row.length === labels.length);
  return {
    labels,
    scores,
    confusion: square ? m.confusion! : null,
    nonPetRejected: m.nonPetRejected ?? null,
    petRejected: m.petRejected ?? null
  };
}

const quoted = (s: string) => `“${s[0]!.toLowerCase()}${s.slice(1)}”`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The answers this model can give, in words. */
export function outcomesText(labels: readonly Label[], unsureThreshold: number): string {
  const said = labels.map((l) => quoted(HEADLINES[l]));
  const list = `${said.slice(0, -1).join(', ')} or ${said.at(-1)}`;
  const unsure = `and ${quoted(HEADLINES.unsure)} when its top probability is below ${pct(unsureThreshold)}`;
  return labels.includes('neither')
    ? `It answers ${list}, ${unsure}.`
    : `It answers ${list}, ${unsure}. This older two-class model cannot answer ${quoted(HEADLINES.neither)}.`;
}
