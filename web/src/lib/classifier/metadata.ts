/**
 * A model's metadata.json, read from its verified files. Apart from classifier.ts so that the page,
 * which only needs the metadata, does not pull TensorFlow.js (which lives in the worker) into its
 * own bundle.
 */
import { ModelMetadata } from '../../../../edge/src/contract';
import type { ModelFiles } from '../model-store/store';

export function readMetadata(files: ModelFiles): ModelMetadata {
  const data = files.get('metadata.json');
  if (!data) throw new Error('the model is missing metadata.json');
  return ModelMetadata.parse(JSON.parse(new TextDecoder().decode(data)));
}
