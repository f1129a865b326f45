/// <reference lib="webworker" />
/**
 * The classifier worker (a module worker): it owns TensorFlow.js, reads the model (model-loader.ts),
 * decodes photos, preprocesses and predicts, so the page's thread only posts images and shows
 * answers. TensorFlow.js is imported at once but not awaited before answering: the model's files are
 * read meanwhile, and a photo chosen while it loads is decoded (and its preview sent back) right away,
 * and classified when the model is ready.
 *
 * While alive the worker holds a Web Lock named after it; the page asks for the same lock, which it
 * gets only when this worker is gone (crashed, killed, closed), and then starts a new one.
 */
import { loadSchemas } from '../api/api';
import { decodePhoto, encodePreview, hasOffscreenCanvas } from './image';
import type { Engine } from './engine';
import { ModelLoader } from './model-loader';
import { LOCK_PREFIX, type Call, type WorkerMessage } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const post = (m: WorkerMessage, transfer: Transferable[] = []) => self.postMessage(m, transfer);
// The engine's chunk imports the schemas' (reading metadata.json validates it): asking for both at
// once fetches them side by side instead of one after the other.
void loadSchemas();
const engine = import('./engine').then(({ Engine }) => (loaded = new Engine(post, (version, backend) => void models.remember(version, backend))));
/** The engine once TensorFlow.js is loaded. */
let loaded: Engine | undefined;
const models = new ModelLoader(engine);

async function handle(msg: Call): Promise<unknown> {
  switch (msg.method) {
    case 'prepare':
      models.open(msg.args.shipped);
      return (await engine).prepare(msg.args);
    case 'current':
      return models.current(msg.args.modelId);
    case 'update':
      return models.update(msg.args.modelId, msg.args.current);
    case 'restore':
      return models.restore(msg.args);
    case 'activate':
      return (await engine).activate(msg.args.modelId);
    case 'dispose':
      return (await engine).dispose(msg.args.modelId);
    case 'classify': {
      const { image } = msg.args;
      if (image.kind === 'pixels') return (await engine).classify(image.pixels);
      if (image.kind === 'bitmap') {
        try {
          return await (await engine).classify(image.bitmap, true);
        } finally {
          image.bitmap.close();
        }
      }
      const photo = await decodePhoto(image.blob, image.name);
      const sendPreview = async () => post({ progress: msg.call, preview: await encodePreview(photo) });
      // A photo that waits for the model is shown at once; otherwise its preview is made after the
      // prediction (just before the verdict), so that neither encoding it nor the page decoding it
      // competes with the prediction for the CPU.
      const waits = !loaded?.hasActiveModel();
      if (waits) await sendPreview();
      const result = await (await engine).classify(photo);
      if (!waits) await sendPreview();
      return result;
    }
    case 'stats':
      return (await engine).stats();
    case 'loseWebGL':
      return (await engine).loseWebGL();
  }
}

self.onmessage = (e: MessageEvent<Call>) => {
  const msg = e.data;
  handle(msg).then(
    (value) => post({ reply: msg.call, ok: true, value }),
    (err: unknown) => {
      const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
      post({ reply: msg.call, ok: false, error });
    }
  );
};

const hello = () => post({ event: 'hello', offscreenCanvas: hasOffscreenCanvas() });
if (navigator.locks) {
  void navigator.locks.request(LOCK_PREFIX + self.name, () => {
    hello();
    return new Promise<never>(() => {});
  });
} else {
  hello();
}
