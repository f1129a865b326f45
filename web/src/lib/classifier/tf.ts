/**
 * TensorFlow.js inside the classifier's worker: core and the three backends, the wasm binaries
 * self-hosted (never a CDN), and wasm threads when the page is cross-origin isolated. Models run on
 * core ops (graph-model.ts); tfjs-layers, a third of TensorFlow.js's code, is loaded only for a model
 * they cannot express.
 *
 * The threaded wasm build starts its threads (Web Workers) from a script it builds out of its own
 * glue code's source text, `factory.toString()`. Once the bundler has minified that glue, the text
 * refers to names that only exist in the bundle's scope, and every thread dies with "e is not
 * defined". So the threads get the glue's original source instead: the file as published, imported
 * as text (the bundler never rewrites a string), handed out through the factory's toString.
 */
import * as core from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as threadedGlue from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedGlueSource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { wasmThreads, type BackendName, type Tf } from './backends';

export const tf: Tf = { ...core, loadLayersModel: async (...args) => (await import('@tensorflow/tfjs-layers')).loadLayersModel(...args) };

const factory = ((threadedGlue as { default?: unknown }).default ?? threadedGlue) as object;
// The threads evaluate `var WasmBackendModuleThreadedSimd = ` + this text: the published glue file,
// wrapped so that it evaluates to the factory it defines.
Object.defineProperty(factory, 'toString', {
  value: () => `(() => {\n${threadedGlueSource}\nreturn WasmBackendModuleThreadedSimd;\n})()`
});

wasm.setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded
});
/**
 * Threads for the wasm backend, before it starts: `forced` (`?threads=`), else fitted to the device
 * (see wasmThreads). tfjs uses the threaded build by itself where SharedArrayBuffer exists (cross-origin
 * isolation), else plain SIMD; one thread means plain SIMD. tfjs also caps threads at half of
 * navigator.hardwareConcurrency (its guess at SMT); a forced count above that is honoured by
 * reporting twice the count to it (in this worker only).
 */
export function configureWasm(forced: number | null): void {
  const threads = forced ?? wasmThreads(navigator.hardwareConcurrency);
  if (threads < 2) core.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  else if (threads > Math.floor(navigator.hardwareConcurrency / 2)) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads });
  wasm.setThreadsCount(threads);
}

/** Threads the wasm backend runs on (1 without cross-origin isolation); call after it started. */
export function wasmThreadCount(): number {
  return wasm.getThreadsCount();
}

/** The WebGL and CPU backends' code (WebGL's is a third of TensorFlow.js) is loaded only when they are tried. */
const extraBackends: Partial<Record<BackendName, () => Promise<unknown>>> = {
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  cpu: () => import('@tensorflow/tfjs-backend-cpu')
};

/** Activates the first backend in `order` that initialises and computes; returns its name. */
export async function useFirstWorkingBackend(order: readonly BackendName[]): Promise<BackendName> {
  const failures: string[] = [];
  for (const name of order) {
    try {
      await extraBackends[name]?.();
      if (!(await tf.setBackend(name))) throw new Error('it did not initialise');
      await tf.ready();
      const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
      const value = (await probe.data())[0];
      probe.dispose();
      if (value === 2) return name;
      throw new Error(`1 + 1 gave ${value}`);
    } catch (e) {
      // this backend cannot run here; try the next one
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`No TensorFlow.js backend works in this browser (${failures.join('; ')}).`);
}

/** The WebGL renderer's name (unmasked where allowed), or null without WebGL 2. */
export function webglRenderer(): string | null {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : null;
  const gl = canvas?.getContext('webgl2') ?? null;
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}
