/**
 * The maintainer tools' HTTP client for a running Pawlens (`npm run models`, `feedback pull`,
 * `publish`): JSON and bytes, with the admin token when one is given, and every failure as one
 * readable line (`HTTP 404 not_found: …`, `cannot reach URL: ECONNREFUSED`); callers add what they were doing.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorBody } from '../../edge/src/contract.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** ADMIN_TOKEN from the environment, else from a .dev.vars file (KEY=value lines). */
export function adminToken(devVarsPath: string): string | undefined {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  try {
    const line = readFileSync(devVarsPath, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('ADMIN_TOKEN='));
    return line?.slice('ADMIN_TOKEN='.length).trim().replace(/^"(.*)"$/, '$1');
  } catch {
    return undefined;
  }
}

/** ADMIN_TOKEN from the environment or the repo's .dev.vars, or a clear error. */
export function requireAdminToken(): string {
  const token = adminToken(resolve(ROOT, '.dev.vars'));
  if (!token) throw new Error('ADMIN_TOKEN is not set (environment or .dev.vars)');
  return token;
}

export interface ApiClient {
  url: string;
  json(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown>;
  bytes(path: string): Promise<Uint8Array>;
}

/**
 * What wrangler dev's proxy answers (503) when a request meets the connection to the worker just as
 * that connection's keep-alive timeout closes it (workers-sdk#14641; a request after ~5 s idle, e.g.
 * publish's upload after the gate). The worker never saw the request, so it is sent again; the proxy
 * itself does so for GET and HEAD only.
 */
const DEV_PROXY_DROPPED = 'Your worker restarted mid-request';
const DEV_PROXY_TRIES = 3;

export function apiClient(url: string, token?: string): ApiClient {
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let res: Response;
    for (let attempt = 1; ; attempt++) {
      res = await fetch(new URL(path, url), { method, headers, body: payload }).catch((e: Error) => {
        throw new Error(`cannot reach ${url}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
      });
      if (res.status !== 503 || attempt === DEV_PROXY_TRIES || !(await res.clone().text()).startsWith(DEV_PROXY_DROPPED)) break;
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(await res.json().catch(() => null));
      throw new HttpError(res.status, `HTTP ${res.status}${err.success ? ` ${err.data.error.code}: ${err.data.error.message}` : ''}`);
    }
    return res;
  };
  return {
    url,
    json: async (method, path, body) => (await request(method, path, body)).json() as Promise<unknown>,
    bytes: async (path) => new Uint8Array(await (await request('GET', path)).arrayBuffer())
  };
}
