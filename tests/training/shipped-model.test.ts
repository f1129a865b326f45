import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelMetadata } from '../../edge/src/contract.ts';
import { initBackend } from '../../training/src/backend.ts';
import { sha256Hex } from '../../training/src/data/fingerprint.ts';
import { scanDataset } from '../../training/src/data/scan.ts';
import { loadModel } from '../../training/src/model/io.ts';
import { verdictIndex } from '../../training/src/metrics.ts';
import { decodeAll, inputSizeOf, predictPixels } from '../../training/src/model/predict.ts';
import { haveShared } from '../shared-data.ts';
import { SMOKE } from './helpers.ts';

const MODEL = resolve(import.meta.dirname, '../../model');

describe('the shipped model/', () => {
  const meta = ModelMetadata.parse(JSON.parse(readFileSync(join(MODEL, 'metadata.json'), 'utf8')));
  beforeAll(async () => {
    await initBackend({ quiet: true });
  });

  it('metadata.json follows the contract and lists every file with its hash and size', () => {
    expect(meta.files.map((f) => f.path)).toContain('model.json');
    let total = 0;
    for (const f of meta.files) {
      const bytes = readFileSync(join(MODEL, f.path));
      expect(sha256Hex(bytes), f.path).toBe(f.sha256);
      expect(bytes.byteLength).toBe(f.bytes);
      total += f.bytes;
    }
    expect(total).toBeLessThanOrEqual(2.5e6);
    expect(meta.datasetFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it.skipIf(!haveShared(SMOKE))('loads and classifies the smoke set at ≥ 18/20', async () => {
    const model = await loadModel(MODEL);
    expect(inputSizeOf(model)).toEqual(meta.inputSize);
    const items = scanDataset(SMOKE, { valFraction: 0, testFraction: 0 }).items;
    const { pixels } = await decodeAll(items.map((i) => i.path), meta.inputSize[0], 'smoke', meta.crop);
    const { probs } = await predictPixels(model, pixels, meta.inputSize[0], meta.normalization);
    // The app's verdict at the model's threshold: a "neither" or "not sure" counts as a miss.
    const right = items.filter((it, i) => verdictIndex(probs[i]!, meta.unsureThreshold) === it.label).length;
    expect(right).toBeGreaterThanOrEqual(18);
    model.dispose();
  });
});
