import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { HttpClient } from '../../connectors/index.js';
import { OutcomeUnknownError, TransientError } from '../../safety/index.js';
import { Secret } from '../../store/index.js';

// Issue 9: the API lane's transport tells a request that never left (safe to retry) from one
// that may have reached the platform (an unknown outcome: verified, never retried blind).
const CANARY = new Secret('EAAB-canary-token-19b7e2');

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test.describe('API transport', () => {
  test('should call a refused connection never sent, whatever the method', async () => {
    const { server, url } = await serve(() => undefined);
    await new Promise((r) => server.close(r));
    const client = new HttpClient({ baseUrl: url, timeoutMs: 2000 });
    try {
      const error = await client.request({ method: 'POST', path: '/v23.0/1/media_publish', form: { creation_id: '1' }, token: CANARY, mutating: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).sent).toBe(false);
      expect(String(error)).not.toContain(CANARY.reveal());
    } finally {
      await client.close();
    }
  });

  test('should call a connection dropped after the request an unknown outcome for a write, and a plain transient failure for a read', async () => {
    const seen: string[] = [];
    const { server, url } = await serve((req) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization === `Bearer ${CANARY.reveal()}` ? 'auth' : 'no-auth'}`);
      req.resume();
      req.on('end', () => req.socket.destroy());
    });
    const client = new HttpClient({ baseUrl: `${url}/v23.0`, timeoutMs: 5000 });
    try {
      const write = await client.request({ method: 'POST', path: '/1/media_publish', form: { creation_id: '9' }, token: CANARY, mutating: true }).catch((e: unknown) => e);
      expect(write).toBeInstanceOf(OutcomeUnknownError);
      expect((write as Error).message).toMatch(/^POST \/v23\.0\/1\/media_publish: /);
      const read = await client.request({ method: 'GET', path: '/1/media', token: CANARY, mutating: false }).catch((e: unknown) => e);
      expect(read).toBeInstanceOf(TransientError);
      // The platform got both requests, with the token as a Bearer header (never in the URL).
      expect(seen.filter((s) => s.endsWith('auth'))).toEqual(['POST /v23.0/1/media_publish auth', 'GET /v23.0/1/media auth']);
      for (const e of [write, read]) expect(String(e)).not.toContain(CANARY.reveal());
    } finally {
      await client.close();
      server.close();
    }
  });

  test('should call an answer that never comes, after the request left, an unknown outcome', async () => {
    const { server, url } = await serve((req) => req.resume());
    const client = new HttpClient({ baseUrl: url, timeoutMs: 400 });
    try {
      const error = await client.request({ method: 'POST', path: '/2/tweets', json: { text: 'hello' }, token: CANARY, mutating: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
    } finally {
      await client.close();
      server.closeAllConnections();
      server.close();
    }
  });

  test('should return statuses and headers for the connector to classify, JSON parsed', async () => {
    const { server, url } = await serve((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-fb-trace-id': 'Tr4ce' });
      res.end(JSON.stringify({ error: { code: 9007, error_subcode: 2207027, message: 'not ready' } }));
    });
    const client = new HttpClient({ baseUrl: url });
    try {
      const res = await client.request({ method: 'POST', path: '/v23.0/1/media_publish', form: { creation_id: '1' }, mutating: true });
      expect(res.status).toBe(400);
      expect(res.headers['x-fb-trace-id']).toBe('Tr4ce');
      expect(res.body).toEqual({ error: { code: 9007, error_subcode: 2207027, message: 'not ready' } });
      expect(res.what).toBe('POST /v23.0/1/media_publish');
    } finally {
      await client.close();
      server.close();
    }
  });
});
