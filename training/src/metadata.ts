/** model/metadata.json: built here, validated against the shared contract before it is written. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, ModelMetadata } from '../../edge/src/contract.ts';
import type { Normalization } from '../../web/src/lib/classifier/preprocess.ts';
import type { WrittenFile } from './model/io.ts';

export interface MetadataInput {
  version: string;
  created: Date;
  size: number;
  crop: number;
  normalization: Normalization;
  unsureThreshold: number;
  metrics: ModelMetadata['metrics'];
  datasetFingerprint: string;
  backend: string;
  runId: string;
  files: WrittenFile[];
  extra: Record<string, unknown>;
}

/** Date-based version, e.g. 2026.11.24-1a2b3c (sortable, unique per run). */
export function versionFor(created: Date, runId: string): string {
  const d = created.toISOString().slice(0, 10).replace(/-/g, '.');
  return `${d}-${runId.split('-').pop()}`;
}

export function buildMetadata(m: MetadataInput): ModelMetadata {
  return ModelMetadata.parse({
    version: m.version,
    created: m.created.toISOString(),
    labels: [...LABELS],
    inputSize: [m.size, m.size],
    crop: m.crop,
    normalization: m.normalization,
    unsureThreshold: m.unsureThreshold,
    metrics: m.metrics,
    datasetFingerprint: m.datasetFingerprint,
    backend: m.backend,
    runId: m.runId,
    files: m.files,
    ...m.extra
  });
}

export function writeMetadata(dir: string, meta: ModelMetadata): void {
  writeFileSync(join(dir, 'metadata.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

export function readMetadata(dir: string): ModelMetadata {
  return ModelMetadata.parse(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')));
}
