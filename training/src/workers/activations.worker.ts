/** A worker thread with its own tfjs backend and frozen backbone: image tasks in, activations out. */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type NodeBackend } from '../backend.ts';
import { loadCut, runTasks, type ActivationTask, type CutSpec } from '../model/cut.ts';

const { spec, backend } = workerData as { spec: CutSpec; backend?: NodeBackend };
await initBackend({ prefer: backend, quiet: true });
const model = await loadCut(spec);
parentPort!.on('message', async (msg: { id: number; tasks: ActivationTask[] }) => {
  const out = await runTasks(model, spec, msg.tasks);
  const transfer = out.rows.filter((r): r is Float32Array => r !== null).map((r) => r.buffer as ArrayBuffer);
  parentPort!.postMessage({ id: msg.id, ...out }, transfer);
});
parentPort!.postMessage({ ready: true });
