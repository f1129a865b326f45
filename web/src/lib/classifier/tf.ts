/**
 * TensorFlow.js, loaded on demand (the chunk is ~1 MB, so never before first paint), and backend
 * selection: WebGL, then WebAssembly (SIMD when the browser has it; binaries self-hosted, never a
 * CDN), then plain JS.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKENDS, type BackendName, type Tf } from './backends';

let loading: Promise<Tf> | undefined;

export function loadTf(): Promise<Tf> {
  loading ??= Promise.all([import('@tensorflow/tfjs'), import('@tensorflow/tfjs-backend-wasm')]).then(([tf, wasm]) => {
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded
    });
    return tf;
  });
  return loading;
}

/** Activates the first backend in `order` that initialises and computes; returns its name. */
export async function useFirstWorkingBackend(tf: Tf, order: readonly BackendName[]): Promise<BackendName> {
  for (const name of order) {
    try {
      if (!(await tf.setBackend(name))) continue;
      await tf.ready();
      const probe = tf.tidy(() => tf.scalar(1).add(tf.scalar(1)));
      const value = (await probe.data())[0];
      probe.dispose();
      if (value === 2) return name;
    } catch {
      // this backend cannot run here; try the next one
    }
  }
  throw new Error('No TensorFlow.js backend works in this browser.');
}

/** The order to try backends in; `?backend=wasm` (or cpu/webgl) puts that one first. */
export function backendOrder(preferred: string | null): BackendName[] {
  const first = BACKENDS.find((b) => b === preferred);
  return first ? [first, ...BACKENDS.filter((b) => b !== first)] : [...BACKENDS];
}
