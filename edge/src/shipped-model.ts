/** The model the app ships with (build/web/model/metadata.json), read once per isolate from the assets. */
import { ModelMetadata } from './contract';
import type { Bindings } from './env';

let shipped: Promise<string | null> | undefined;

export function shippedModelVersion(env: Bindings): Promise<string | null> {
  shipped ??= env.ASSETS.fetch('http://assets.local/model/metadata.json')
    .then(async (res) => (res.ok ? ModelMetadata.parse(await res.json()).version : null))
    .catch(() => null);
  return shipped;
}
