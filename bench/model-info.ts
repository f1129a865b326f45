/** What the benches print to name a model: where it is, its version, labels, size and input size. */
import type { ModelMetadata } from '../edge/src/contract.ts';

export function modelInfo(dir: string, meta: ModelMetadata) {
  return {
    dir,
    version: meta.version,
    labels: meta.labels,
    /** model.json and weight shards, as metadata.json lists them. */
    bytes: meta.files.reduce((a, f) => a + f.bytes, 0),
    inputSize: meta.inputSize
  };
}
