/** Backend names and the tfjs namespace type, kept apart from tf.ts so Node code can import them without Vite's `?url` modules. */
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;
export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
