/**
 * Ships `model/` with the app: its files are emitted at `/model/<file>` and their sha256 digests are
 * compiled into `virtual:pawlens/shipped-model`, so the app verifies what it loads, can address each
 * file by content (`/model/<file>?sha256=<hex>`, cacheable forever) and works with no API at all.
 * Without a `model/metadata.json` the build still succeeds and the module exports `null`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { ModelMetadata, type ModelFile } from '../../edge/src/contract.ts';

const VIRTUAL_ID = 'virtual:pawlens/shipped-model';
const RESOLVED_ID = '\0' + VIRTUAL_ID;

export interface ShippedModel {
  version: string;
  base: string;
  files: ModelFile[];
}

function readShipped(dir: string): { model: ShippedModel; contents: Map<string, Buffer> } | null {
  const metaPath = join(dir, 'metadata.json');
  if (!existsSync(metaPath)) return null;
  const meta = ModelMetadata.parse(JSON.parse(readFileSync(metaPath, 'utf8')));
  const contents = new Map<string, Buffer>();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile() && !name.startsWith('.')) contents.set(name, readFileSync(path));
  }
  if (!contents.has('model.json')) throw new Error(`${dir} has metadata.json but no model.json`);
  const files = [...contents].map(([path, buf]) => ({
    path,
    sha256: createHash('sha256').update(buf).digest('hex'),
    bytes: buf.length
  }));
  return { model: { version: meta.version, base: '/model/', files }, contents };
}

export function shippedModel(modelDir = 'model'): Plugin {
  const dir = resolve(modelDir);
  let ssr = false;
  let shipped: ReturnType<typeof readShipped> = null;
  return {
    name: 'pawlens-shipped-model',
    configResolved(config) {
      ssr = !!config.build.ssr;
      shipped = readShipped(dir);
      if (!shipped) config.logger.warn(`pawlens: no ${dir}/metadata.json; the app will rely on published models only`);
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined;
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      return `export default ${JSON.stringify(shipped?.model ?? null)};`;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const prefix = shipped?.model.base;
        const path = req.url?.split('?')[0];
        const name = prefix && path?.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : null;
        const body = name ? shipped?.contents.get(name) : undefined;
        if (!body) return next();
        res.setHeader('Content-Type', name!.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(body);
      });
    },
    generateBundle() {
      if (ssr || !shipped) return;
      for (const [name, source] of shipped.contents) {
        this.emitFile({ type: 'asset', fileName: `model/${name}`, source });
      }
    }
  };
}
