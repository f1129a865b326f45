/**
 * Picks the fastest tfjs backend available in Node: tfjs-node (optional native dependency) when it
 * is installed, else the wasm backend (SIMD, loaded from node_modules), else the pure-JS cpu backend.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type NodeBackend = 'tensorflow' | 'wasm' | 'cpu';

let chosen: NodeBackend | null = null;

async function tryTfjsNode(): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(join(dist, '/'));
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** Initialises tfjs once; `prefer` forces a backend (e.g. 'cpu' for gradients wasm lacks). */
export async function initBackend(opts: { prefer?: NodeBackend; quiet?: boolean } = {}): Promise<NodeBackend> {
  if (chosen && (!opts.prefer || opts.prefer === chosen)) return chosen;
  const order: NodeBackend[] = opts.prefer ? [opts.prefer, 'tensorflow', 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  for (const b of order) {
    const ok = b === 'tensorflow' ? await tryTfjsNode() : b === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      chosen = b;
      break;
    }
  }
  if (!chosen) throw new Error('no tfjs backend could be initialised');
  // stderr, so stdout stays machine-readable (eval --json, bench).
  if (!opts.quiet) console.error(`tfjs backend: ${chosen}${chosen === 'tensorflow' ? ' (tfjs-node)' : ''}`);
  return chosen;
}
