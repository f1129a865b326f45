import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelMetadata } from '../../edge/src/contract.ts';
import { DEFAULT_AUGMENT } from '../../training/src/data/augment.ts';
import { loadModel } from '../../training/src/model/io.ts';
import { listRuns } from '../../training/src/tracking.ts';
import { train } from '../../training/src/train.ts';
import { BACKBONES, haveShared } from '../shared-data.ts';
import { BAD, SMOKE, datasetWithBadInputs } from './helpers.ts';

const BACKBONE = 'mobilenet_v2_0.35_224_no_top';

describe.skipIf(!haveShared(SMOKE, BAD, join(BACKBONES, BACKBONE)))('npm run train, end to end on a tiny set', () => {
  const work = mkdtempSync(join(tmpdir(), 'pawlens-e2e-'));
  const data = datasetWithBadInputs(6);
  afterAll(() => [work, data].forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('skips bad inputs, writes a loadable model with valid metadata and a run record', async () => {
    const out = join(work, 'model');
    const runsDir = join(work, 'runs');
    const cfg = {
      data,
      backbonesRoot: BACKBONES,
      backbones: [BACKBONE],
      size: 96,
      augment: DEFAULT_AUGMENT,
      augmentCopies: 1,
      tta: true,
      head: { epochs: 1, batchSize: 8, learningRate: 1e-3, l2: 1e-4, dropout: 0.1, patience: 2, hidden: 4, seed: 1 },
      quantize: ['uint8-conv', 'float32'] as const,
      maxQuantDrop: 0.003,
      maxBytes: 2.5e6,
      maxUnsure: 0.03,
      featureBatch: 8,
      out,
      cacheDir: join(work, 'cache'),
      runsDir,
      seed: 1
    };
    const run = await train({ ...cfg, quantize: [...cfg.quantize] });

    // Bad inputs are skipped and listed; the run finished anyway.
    const skipped = Object.fromEntries(run.data.skipped.map((s) => [s.rel, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['cat/empty.jpg', 'cat/not-an-image.jpg', 'cat/notes.txt', 'cat/truncated.jpg']);
    expect(skipped['cat/truncated.jpg']).toMatch(/decode failed/);
    expect(run.history).toHaveLength(1);

    // The model directory: metadata per the shared contract, files as listed, loadable, [N,2] softmax.
    const meta = ModelMetadata.parse(JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')));
    expect(meta.runId).toBe(run.id);
    expect(meta.datasetFingerprint).toBe(run.data.fingerprint);
    expect(meta.inputSize).toEqual([96, 96]);
    for (const f of meta.files) expect(readFileSync(join(out, f.path)).byteLength).toBe(f.bytes);
    const model = await loadModel(out);
    const y = model.predict(tf.zeros([2, 96, 96, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 2]);
    const sums = tf.sum(y, 1).arraySync() as number[];
    sums.forEach((s) => expect(s).toBeCloseTo(1, 4));
    // With the test-time mirror inside, a photo and its mirror image get the same answer.
    const x = tf.randomUniform([2, 96, 96, 3], -1, 1, 'float32', 5);
    const a = model.predict(x) as tf.Tensor;
    const b = model.predict(tf.reverse(x, 2)) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([y, x, a, b]);
    model.dispose();

    // The run record is listed with its plots.
    const runs = listRuns(runsDir);
    expect(runs.map((r) => r.id)).toEqual([run.id]);
    for (const f of ['run.json', 'loss.svg', 'accuracy.svg', 'confusion.svg']) expect(existsSync(join(runsDir, run.id, f))).toBe(true);

    // A second run reads every feature from the cache.
    const again = await train({ ...cfg, quantize: ['float32'], out: join(work, 'model2') });
    expect(again.timings.featureImagesComputed).toBe(0);
    expect(again.data.fingerprint).toBe(run.data.fingerprint);
  });
});
