import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelMetadata } from '../../edge/src/contract.ts';
import { DEFAULT_AUGMENT } from '../../training/src/data/augment.ts';
import { DEFAULT_TOP } from '../../training/src/model/top.ts';
import { loadModel } from '../../training/src/model/io.ts';
import { listRuns } from '../../training/src/tracking.ts';
import { train, type TrainConfig } from '../../training/src/train.ts';
import { BACKBONES, DATASETS, haveShared } from '../shared-data.ts';
import { BAD, SMOKE, datasetWithBadInputs } from './helpers.ts';

const BACKBONE = 'mobilenet_v1_1.0_224_trunc_pw12';
const NOT_PETS = join(DATASETS, 'not-pets');

/** Five photos of each of two not-pets categories, as a `neither` source with category folders. */
function smallNeither(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pawlens-neither-'));
  for (const cat of ['food', 'vehicles_cars']) {
    mkdirSync(join(dir, cat));
    for (const f of readdirSync(join(NOT_PETS, 'train', cat)).sort().slice(0, 5)) copyFileSync(join(NOT_PETS, 'train', cat, f), join(dir, cat, f));
  }
  return dir;
}

describe.skipIf(!haveShared(SMOKE, BAD, NOT_PETS, join(BACKBONES, BACKBONE)))('npm run train, end to end on a tiny set', () => {
  const work = mkdtempSync(join(tmpdir(), 'pawlens-e2e-'));
  const data = datasetWithBadInputs(6);
  const neither = smallNeither();
  afterAll(() => [work, data, neither].forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('skips bad inputs, fine-tunes in worker threads, writes a loadable three-class model with valid metadata and a run record', async () => {
    const out = join(work, 'model');
    const runsDir = join(work, 'runs');
    const cfg: TrainConfig = {
      sources: [
        { root: data, role: 'data' },
        { root: neither, role: 'neither' }
      ],
      synthetic: { train: 4, val: 2, test: 2 },
      backbonesRoot: BACKBONES,
      backbone: BACKBONE,
      size: 64,
      crop: 0.9,
      augment: DEFAULT_AUGMENT,
      augmentCopies: 1,
      top: { ...DEFAULT_TOP, fineTune: true, epochs: 1, batchSize: 8, pooling: 'avg+max', hidden: 0 },
      targets: { petRejected: 0.03, nonPetRejected: 0.97 },
      extraRepeat: 1,
      quantize: ['uint8-large', 'float32'],
      maxQuantDrop: 0.003,
      maxBytes: 2.5e6,
      out,
      cacheDir: join(work, 'cache'),
      runsDir,
      seed: 1,
      workers: 2,
      batchSize: 4
    };
    const run = await train(cfg);

    // Bad inputs are skipped and listed; the run finished anyway.
    const skipped = Object.fromEntries(run.data.skipped.map((s) => [s.rel, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['cat/empty.jpg', 'cat/not-an-image.jpg', 'cat/notes.txt', 'cat/truncated.jpg']);
    expect(skipped['cat/truncated.jpg']).toMatch(/decode failed/);
    expect(run.history).toHaveLength(1);
    // Every source and its counts are in the record; neither categories are reported separately.
    expect(run.data.sources.map((s) => (s as { name: string }).name).sort()).toEqual(['synthetic', data.split('/').pop(), neither.split('/').pop()].sort());
    expect(run.metrics.groups.test.map((g) => g.group).some((g) => g.endsWith('/food') || g.endsWith('/vehicles_cars'))).toBe(true);

    // The model directory: metadata per the shared contract, files as listed, loadable, [N,3] softmax.
    const meta = ModelMetadata.parse(JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')));
    expect(meta.labels).toEqual(['cat', 'dog', 'neither']);
    expect(meta.runId).toBe(run.id);
    expect(meta.datasetFingerprint).toBe(run.data.fingerprint);
    expect(meta.inputSize).toEqual([64, 64]);
    expect(meta.crop).toBe(0.9);
    expect(meta.unsureThreshold).toBe(run.unsure.threshold);
    const card = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')) as { architecture: unknown };
    expect(card.architecture).toMatchObject({ head: 'relu6 → global average and max pooling, side by side → dense softmax', fineTuned: 'last pointwise conv + head' });
    for (const f of meta.files) expect(readFileSync(join(out, f.path)).byteLength).toBe(f.bytes);
    const model = await loadModel(out);
    const y = model.predict(tf.zeros([2, 64, 64, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    (tf.sum(y, 1).arraySync() as number[]).forEach((s) => expect(s).toBeCloseTo(1, 4));
    tf.dispose(y);
    model.dispose();

    // The run record is listed with its plots.
    const runs = listRuns(runsDir);
    expect(runs.map((r) => r.id)).toEqual([run.id]);
    for (const f of ['run.json', 'loss.svg', 'accuracy.svg', 'confusion.svg']) expect(existsSync(join(runsDir, run.id, f))).toBe(true);

    // A second run reads every activation from the cache.
    const again = await train({ ...cfg, quantize: ['uint8-large'], out: join(work, 'model2'), workers: 1 });
    expect(again.timings.imagesComputed).toBe(0);
    expect(again.data.fingerprint).toBe(run.data.fingerprint);
  });
});
