/**
 * `npm run publish`'s gate, the I/O half: fetches the active model (or, when none is active, takes the
 * shipped model/ that apps then run), evaluates it and the candidate with `npm run eval`'s code on the
 * same photos — the shared test split plus the feedback photos held out for testing — and decides.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PublishGate } from '../../edge/src/contract.ts';
import type { NodeBackend } from './backend.ts';
import type { SourceSpec } from './data/examples.ts';
import { chooseExamples, evaluate, type EvalResult } from './evaluate.ts';
import { decideGate, gateFigures, type Figure } from './gate.ts';
import { downloadActiveModel } from './publish.ts';

export interface GateOptions {
  url: string;
  candidate: string;
  /** apps run this model when the server has none active */
  shipped: string;
  /** cat/dog(/neither) test photos: a folder's test split, or all of a folder without splits */
  testData: string[];
  /** photos with no cat or dog: a folder's test split, or all of it */
  testNeither: string[];
  /** pulled feedback photos: their test split under the seeded split training makes */
  feedback?: string;
  seed: number;
  force: boolean;
  cacheDir: string;
  workers: number;
  batchSize: number;
  backend?: NodeBackend;
}

export interface GateResult {
  gate: PublishGate;
  /** the figures that dropped too far */
  dropped: string[];
  /** what the candidate was compared with, e.g. `2026.11.27-72a180 (active)` */
  activeLabel: string;
  /** the candidate's version (its metadata.json) */
  candidateVersion: string;
}

function figuresOf(r: EvalResult, feedbackSource: string | undefined): Figure[] {
  const photos = r.predictions.map((p) => ({ label: p.label, feedback: p.source === feedbackSource, probabilities: p.probabilities }));
  return gateFigures(photos, r.model.unsureThreshold);
}

export async function runGate(o: GateOptions): Promise<GateResult> {
  const sources: SourceSpec[] = [
    ...o.testData.map((root) => ({ root, role: 'data' as const })),
    ...o.testNeither.map((root) => ({ root, role: 'neither' as const })),
    ...(o.feedback ? [{ root: o.feedback, role: 'data' as const, carve: true }] : [])
  ];
  const dir = mkdtempSync(join(tmpdir(), 'pawlens-active-'));
  try {
    const latest = await downloadActiveModel(o.url, dir);
    const activeDir = latest ? dir : o.shipped;
    // Both models on one list of photos: the folders are scanned and hashed once.
    const photos = chooseExamples(sources, 'test', o.seed);
    const run = (model: string) => evaluate(photos, { model, cacheDir: o.cacheDir, workers: o.workers, batchSize: o.batchSize, backend: o.backend });
    const candidate = await run(o.candidate);
    const active = await run(activeDir);
    const feedbackSource = o.feedback ? candidate.sources.find((s) => s.root === resolve(o.feedback!))?.name : undefined;
    const against = active.model.version;
    const { dropped, ...gate } = decideGate(figuresOf(candidate, feedbackSource), figuresOf(active, feedbackSource), against, o.force);
    return { gate, dropped, activeLabel: `${against} (${latest ? 'active' : 'shipped model/, none active'})`, candidateVersion: candidate.model.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
