/// <reference lib="webworker" />
/**
 * The classifier worker (a module worker): it owns TensorFlow.js, decodes photos, preprocesses and
 * predicts, so the page's thread only posts images and shows answers. TensorFlow.js is imported at
 * once but not awaited before answering: a photo chosen while it loads is decoded (and its preview
 * sent back) right away, and classified when the model is ready.
 *
 * While alive the worker holds a Web Lock named after it; the page asks for the same lock, which it
 * gets only when this worker is gone (crashed, killed, closed), and then starts a new one.
 */
import { decodePhoto, encodePreview, hasOffscreenCanvas } from './image';
import { LOCK_PREFIX, type Call, type WorkerMessage } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const post = (m: WorkerMessage, transfer: Transferable[] = []) => self.postMessage(m, transfer);
const engine = import('./engine').then(({ Engine }) => new Engine(post));

async function handle(msg: Call): Promise<unknown> {
  switch (msg.method) {
    case 'prepare':
      return (await engine).prepare(msg.args);
    case 'load':
      return (await engine).load(msg.args);
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
      post({ progress: msg.call, preview: await encodePreview(photo) });
      return (await engine).classify(photo);
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
