/**
 * The maintainer tools' HTTP client against a real local HTTP server playing wrangler dev's proxy:
 * a request the proxy dropped (503 "Your worker restarted mid-request", workers-sdk#14641) is sent
 * again, body included; a 503 from the worker itself is an error at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../training/src/api-client.ts';

describe('apiClient', () => {
  let server: Server;
  let url: string;
  /** Bodies the server received, and what it answers next (the last answer repeats). */
  let received: string[] = [];
  let answers: { status: number; type: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(body);
        const a = answers.length > 1 ? answers.shift()! : answers[0]!;
        res.writeHead(a.status, { 'content-type': a.type }).end(a.body);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const dropped = { status: 503, type: 'text/plain;charset=UTF-8', body: 'Your worker restarted mid-request. Please try sending the request again. Only GET or HEAD requests are retried automatically.' };
  const stored = { status: 201, type: 'application/json', body: '{"stored":true}' };

  it("sends a request wrangler dev's proxy dropped again, with its body", async () => {
    received = [];
    answers = [dropped, stored];
    expect(await apiClient(url, 'token').json('POST', '/api/models', { version: '1.0.0' })).toEqual({ stored: true });
    expect(received).toEqual(['{"version":"1.0.0"}', '{"version":"1.0.0"}']);
  });

  it('gives up after three drops, and never resends a 503 the worker answered', async () => {
    received = [];
    answers = [dropped];
    await expect(apiClient(url).json('POST', '/api/review/x', {})).rejects.toThrow(/^HTTP 503$/);
    expect(received).toHaveLength(3);

    received = [];
    answers = [{ status: 503, type: 'application/json', body: '{"error":{"code":"internal","message":"D1 is down"}}' }];
    await expect(apiClient(url).json('POST', '/api/models', {})).rejects.toThrow('HTTP 503 internal: D1 is down');
    expect(received).toHaveLength(1);
  });
});
