/** Which backend the classifier starts on, when WebGL is timed against wasm, and how many wasm threads. */
import { describe, expect, it } from 'vitest';
import { backendOrder, fasterBackend, raceWebGL, wasmThreads, webglKind } from '../../web/src/lib/classifier/backends.ts';

describe('backends', () => {
  it('starts on wasm, unless ?backend= or a remembered choice says otherwise (forced first)', () => {
    expect(backendOrder(null, null)).toEqual(['wasm', 'webgl', 'cpu']);
    expect(backendOrder('webgl', null)).toEqual(['webgl', 'wasm', 'cpu']);
    expect(backendOrder(null, 'webgl')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(backendOrder('cpu', 'webgl')).toEqual(['cpu', 'webgl', 'wasm']);
    expect(backendOrder('gpu', null)).toEqual(['wasm', 'webgl', 'cpu']);
  });

  it('tells a real GPU from an emulated one by the renderer name', () => {
    expect(webglKind(null)).toBe('none');
    expect(webglKind('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)')).toBe('software');
    expect(webglKind('llvmpipe (LLVM 15.0.7, 256 bits)')).toBe('software');
    expect(webglKind('ANGLE (Qualcomm, Adreno (TM) 650, OpenGL ES 3.2)')).toBe('hardware');
  });

  it('times WebGL against wasm only on a real GPU, with nothing forced or remembered', () => {
    const probe = (kind: 'none' | 'software' | 'hardware') => () => kind;
    expect(raceWebGL(null, null, probe('hardware'))).toBe(true);
    expect(raceWebGL(null, null, probe('software'))).toBe(false);
    expect(raceWebGL(null, null, probe('none'))).toBe(false);
    expect(raceWebGL('wasm', null, probe('hardware'))).toBe(false);
    expect(raceWebGL(null, 'wasm', probe('hardware'))).toBe(false);
    // Looking at the GPU costs a WebGL context: not done when the answer is already known.
    expect(raceWebGL('webgl', null, () => { throw new Error('probed'); })).toBe(false);
  });

  it('keeps the backend with the lower median time, wasm on a tie', () => {
    expect(fasterBackend({ wasm: [40, 42, 90], webgl: [20, 25, 300] })).toBe('webgl');
    expect(fasterBackend({ wasm: [40, 41, 42], webgl: [60, 20, 61] })).toBe('wasm');
    expect(fasterBackend({ wasm: [30], webgl: [30] })).toBe('wasm');
    expect(fasterBackend({ wasm: [30], webgl: [] })).toBe('wasm');
  });

  it('runs wasm on half the logical cores, 1 to 4 threads', () => {
    expect([undefined, 1, 2, 3, 4, 6, 8, 16, 64].map(wasmThreads)).toEqual([1, 1, 1, 1, 2, 3, 4, 4, 4]);
  });
});
