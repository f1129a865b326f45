/**
 * Backend names, the tfjs namespace the classifier needs, and which backend to start on. Kept apart
 * from tf.ts (which loads the wasm binaries through Vite) so Node code and tests can import it. Pure.
 */
import type * as Core from '@tensorflow/tfjs-core';
import type { loadLayersModel } from '@tensorflow/tfjs-layers';

/** tfjs-core plus layers-model loading: what `@tensorflow/tfjs` offers (the worker loads tfjs-layers only when it is called). */
export type Tf = typeof Core & { loadLayersModel: typeof loadLayersModel };

export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const isBackend = (name: unknown): name is BackendName => BACKENDS.includes(name as BackendName);

/** What the device's WebGL is: absent, emulated on the CPU (SwiftShader, llvmpipe), or a real GPU. */
export type WebGLKind = 'none' | 'software' | 'hardware';

export function webglKind(renderer: string | null): WebGLKind {
  if (renderer === null) return 'none';
  return /SwiftShader|llvmpipe|softpipe|software/i.test(renderer) ? 'software' : 'hardware';
}

/**
 * The backends to try, in order. `?backend=` forces one; a choice remembered for this model version
 * comes next. Otherwise wasm goes first: it starts in a fraction of WebGL's shader compilation, so the
 * first answer comes sooner; on a real GPU, WebGL is then timed against it (see `raceWebGL`).
 */
export function backendOrder(forced: string | null, remembered: BackendName | null): BackendName[] {
  const first = [forced, remembered].find(isBackend) ?? 'wasm';
  return [first, ...BACKENDS.filter((b) => b !== first)];
}

/**
 * Whether to time WebGL against wasm once the app answers: only when nothing was forced or chosen
 * before, and only on a real GPU (an emulated WebGL is ~10× slower than wasm and stays a fallback).
 */
export function raceWebGL(forced: string | null, remembered: BackendName | null, webgl: () => WebGLKind): boolean {
  return !isBackend(forced) && remembered === null && webgl() === 'hardware';
}

/** The faster backend by median time of its timed predictions (ties keep wasm, which needs no GPU). */
export function fasterBackend(timings: Partial<Record<BackendName, number[]>>): BackendName {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  let best: BackendName = 'wasm';
  let bestMs = Infinity;
  for (const b of ['wasm', 'webgl', 'cpu'] as const) {
    const xs = timings[b];
    if (xs?.length && median(xs) < bestMs) [best, bestMs] = [b, median(xs)];
  }
  return best;
}

/**
 * Threads for the wasm backend: half the logical cores (tfjs's own cap, which counts SMT siblings as
 * one core), at most 4 (XNNPACK's convolutions gain little beyond, and on phones the cores beyond are
 * the slow ones). With 1, the single-threaded SIMD build is used: the threaded one would start its 8
 * pooled workers for nothing.
 */
export function wasmThreads(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, Math.floor((hardwareConcurrency ?? 1) / 2)));
}
