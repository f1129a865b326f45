/**
 * TensorFlow.js, loaded on demand (the chunk is ~1 MB, so never before first paint), and backend
 * selection: WebGL, then WebAssembly (SIMD when the browser has it; binaries self-hosted, never a
 * CDN), then plain JS; wasm goes first where WebGL is only a software emulation.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKENDS, type BackendName, type Tf } from './backends';

let loading: Promise<Tf> | undefined;

export function loadTf(): Promise<Tf> {
  loading ??= Promise.all([import('@tensorflow/tfjs'), import('@tensorflow/tfjs-backend-wasm')]).then(([tf, wasm]) => {
    // The page is cross-origin isolated, so tfjs would pick its threaded wasm build; that build starts
    // its threads from its own source text, which minification breaks ("e is not defined" in every
    // worker, and the backend never starts). The single-threaded SIMD build is used instead.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
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

/**
 * The order to try backends in: WebGL first, unless the GPU is emulated on the CPU (SwiftShader,
 * llvmpipe), where wasm predicts ~10× faster and WebGL's warm-up blocks the page for seconds.
 * `?backend=webgl` (or wasm, cpu) puts that one first regardless.
 */
export function backendOrder(preferred: string | null, softwareWebGL: () => boolean): BackendName[] {
  const first = BACKENDS.find((b) => b === preferred) ?? (softwareWebGL() ? 'wasm' : 'webgl');
  return [first, ...BACKENDS.filter((b) => b !== first)];
}

/** Whether this browser's WebGL is rendered in software. */
export function hasSoftwareWebGL(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /SwiftShader|llvmpipe|softpipe|software/i.test(renderer);
}
