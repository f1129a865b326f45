/**
 * What publishing checks in a model's own files, so that no client is offered a version it cannot
 * load: model.json is a tfjs layers-model, every weight shard it names is among the files, and
 * metadata.json is valid and names the version being published.
 */
import { z } from 'zod';
import { ModelMetadata } from './contract';

const KerasTopology = z.object({ class_name: z.string(), config: z.record(z.string(), z.unknown()) });

/** The parts of a layers-model's model.json that `tf.loadLayersModel` needs. */
const LayersModelJson = z.object({
  format: z.literal('layers-model', { error: 'must be "layers-model" (this is not a tfjs layers-model)' }).optional(),
  modelTopology: z.union([KerasTopology, z.object({ model_config: KerasTopology })], {
    error: 'must be a Keras model topology ({ class_name, config })'
  }),
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string()),
      weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.string() }))
    })
  )
});

export type FilesCheck =
  | { ok: true; metadata: ModelMetadata }
  /** `field` is the request field at fault, e.g. `files.0` (the model.json entry) or `files`. */
  | { ok: false; field: string; message: string };

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
};

/** The publish's parsed metadata, or the first problem with its files (given in request order). */
export function checkModelFiles(version: string, files: { path: string; bytes: Uint8Array }[]): FilesCheck {
  const index = new Map(files.map((f, i) => [f.path, i]));
  const modelAt = index.get('model.json');
  if (modelAt === undefined) return { ok: false, field: 'files', message: 'files: model.json is required' };
  const metaAt = index.get('metadata.json');
  if (metaAt === undefined) return { ok: false, field: 'files', message: 'files: metadata.json is required' };

  const field = `files.${modelAt}`;
  const json = parseJson(files[modelAt]!.bytes);
  if (json === undefined) return { ok: false, field, message: 'model.json: is not JSON' };
  const model = LayersModelJson.safeParse(json);
  if (!model.success) return { ok: false, field, message: `model.json: not a tfjs layers-model: ${firstIssue(model.error)}` };
  for (const path of model.data.weightsManifest.flatMap((group) => group.paths)) {
    if (!index.has(path)) return { ok: false, field, message: `model.json: weight shard ${path} is not among the files` };
  }

  const metaField = `files.${metaAt}`;
  const metaJson = parseJson(files[metaAt]!.bytes);
  if (metaJson === undefined) return { ok: false, field: metaField, message: 'metadata.json: is not JSON' };
  const meta = ModelMetadata.safeParse(metaJson);
  if (!meta.success) return { ok: false, field: metaField, message: `metadata.json: ${firstIssue(meta.error)}` };
  if (meta.data.version !== version) {
    return { ok: false, field: metaField, message: `metadata.json: version ${meta.data.version} differs from the published version ${version}` };
  }
  return { ok: true, metadata: meta.data };
}
