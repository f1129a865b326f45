/**
 * Reading and writing tfjs layers models on the local file system. Plain @tensorflow/tfjs has no
 * file:// handler in Node (that lives in tfjs-node, which is optional here), so these are the
 * loader and writer the CLI, tests and bench use.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sha256Hex } from '../data/fingerprint.ts';
import { quantizeWeights, type WeightDtype, type WeightSpec } from './quantize.ts';

export interface WrittenFile {
  path: string;
  sha256: string;
  bytes: number;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export function readModelJson(dir: string): ModelJson {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Model artifacts from a directory, optionally with the topology edited (e.g. a new input size). */
export function readArtifacts(dir: string, editTopology?: (topology: any) => void): tf.io.ModelArtifacts {
  const mj = readModelJson(dir);
  const topology = structuredClone(mj.modelTopology);
  editTopology?.(topology);
  const buffers = mj.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  return {
    modelTopology: topology,
    weightSpecs: mj.weightsManifest.flatMap((g) => g.weights),
    weightData: toArrayBuffer(Buffer.concat(buffers)),
    format: mj.format,
    generatedBy: mj.generatedBy,
    convertedBy: mj.convertedBy ?? null
  };
}

/** A tf.io handler that loads `dir/model.json` and its shards (quantized manifests included). */
export function fileLoader(dir: string, editTopology?: (topology: any) => void): tf.io.IOHandler {
  return { load: async () => readArtifacts(dir, editTopology) };
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoader(dir));
}

/** Captures what `model.save` produces, so it can be quantized before it is written. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

function weightBuffer(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/**
 * Writes model.json + group1-shardNofM.bin with each weight stored as `policy` says, and returns
 * the written files with sha256 and size.
 */
export function writeModel(
  dir: string,
  artifacts: tf.io.ModelArtifacts,
  policy: (s: WeightSpec) => WeightDtype,
  shardBytes = 4 * 1024 * 1024
): WrittenFile[] {
  mkdirSync(dir, { recursive: true });
  const q = quantizeWeights(artifacts.weightSpecs as WeightSpec[], weightBuffer(artifacts.weightData), policy);
  const data = new Uint8Array(q.data);
  const nShards = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  const files: WrittenFile[] = [];
  const paths: string[] = [];
  for (let i = 0; i < nShards; i++) {
    const name = `group1-shard${i + 1}of${nShards}.bin`;
    const chunk = data.subarray(i * shardBytes, Math.min(data.byteLength, (i + 1) * shardBytes));
    writeFileSync(join(dir, name), chunk);
    paths.push(name);
    files.push({ path: name, sha256: sha256Hex(chunk), bytes: chunk.byteLength });
  }
  const json = JSON.stringify({
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: 'pawlens-training',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: q.specs }]
  });
  writeFileSync(join(dir, 'model.json'), json);
  const jsonBytes = Buffer.from(json);
  return [{ path: 'model.json', sha256: sha256Hex(jsonBytes), bytes: jsonBytes.byteLength }, ...files];
}
