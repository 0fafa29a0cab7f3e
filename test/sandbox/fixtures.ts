import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { test as base, expect, type Page } from '@playwright/test';
import sharp from 'sharp';
import { expectDrift } from '../helpers/drift-ledger.js';
import { instagramThreadId, startSandbox, type Effect, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Thin admin-API client of one sandbox. */
export class AdminClient {
  constructor(readonly sandbox: Sandbox) {}

  async request(method: string, path: string, body?: unknown, token: string | null = this.sandbox.adminToken): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.sandbox.adminUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  }

  async effects(query: Record<string, string> = {}): Promise<Effect[]> {
    const res = await this.request('GET', `/__sandbox/effects?${new URLSearchParams(query)}`);
    expect(res.status).toBe(200);
    return res.json.data as Effect[];
  }

  /** Waits until the platforms are quiet (no request in flight for a while): then "nothing happened" can be read off the ground truth. */
  async quiesce(quietMs = 150): Promise<{ waited_ms: number; handled: number; effects: number }> {
    const res = await this.request('GET', `/__sandbox/quiesce?quiet_ms=${quietMs}`);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return res.json;
  }

  async fault(rule: Record<string, unknown>): Promise<any> {
    const res = await this.request('POST', '/__sandbox/faults', rule);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json.data[0];
  }

  async layout(platform: 'instagram' | 'x', version: 'v1' | 'v2'): Promise<void> {
    // A layout the annex does not know is drift by design: its blocks are the test's subject.
    if (version !== 'v1') expectDrift(`${platform} ${version}`);
    const res = await this.request('POST', '/__sandbox/layout', { platform, version });
    expect(res.status).toBe(200);
  }

  async dm(from: string, to: string, text: string, extra: Record<string, unknown> = {}): Promise<any> {
    const res = await this.request('POST', '/__sandbox/dm', { from, to, text, ...extra });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json;
  }
}

/** One request to a platform API with a bounded timeout. */
export async function call(url: string, init: { method?: string; token?: string; body?: unknown; form?: Record<string, string> } = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  } else if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, json: await res.json().catch(() => null), headers: res.headers };
}

/** A small deterministic PNG for uploads. */
export async function samplePng(shade = 120): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: { r: shade, g: 80, b: 200 } } }).png().toBuffer();
}

/** Seeded accounts used across tests. */
export const IG = {
  northwind: { id: '17841400000000001', handle: 'northwind.bakery', password: 'northwindbakery-pass', token: 'IGSBX.northwindbakery.token' },
  lumen: { id: '17841400000000002', handle: 'lumen.studio', password: 'lumenstudio-pass', token: 'IGSBX.lumenstudio.token' },
  ana: { id: '6100000000000001', handle: 'ana.reads' },
  marco: { id: '6100000000000002', handle: 'marco.trails' },
} as const;
export const X = {
  northwind: { id: '1500000000000000001', handle: 'northwindbakery', password: 'northwindbakery-pass', token: 'XSBX-northwindbakery-token' },
  lumen: { id: '1500000000000000002', handle: 'lumenstudio', password: 'lumenstudio-pass', token: 'XSBX-lumenstudio-token' },
  ana: { id: '1500000000000000101', handle: 'ana_reads' },
} as const;

/** The path of `me`'s Instagram conversation with `peer` (its id is opaque: neither account's id). */
export const igThread = (peer: string, me: string = IG.northwind.id): string => `/direct/t/${instagramThreadId(me, peer)}/`;

/** Waits until the ground-truth log satisfies a predicate (effects are written before the response, but browsers navigate asynchronously). */
/**
 * Starts a sandbox process (`args` after node) and resolves its ready line, parsed; the caller
 * kills the child. Fails naming what the process printed when no line comes within `timeoutMs`.
 */
export async function spawnReady<T = Record<string, unknown>>(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ child: ChildProcessByStdio<null, Readable, Readable>; ready: T }> {
  const child = spawn(process.execPath, args, { cwd: join(import.meta.dirname, '..', '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((ok, ko) => {
      let out = '';
      const timer = setTimeout(() => ko(new Error(`no ready line within ${timeoutMs} ms; got ${out}`)), timeoutMs);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          ok(out.split('\n')[0]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        ko(new Error(`exited ${code} before its ready line`));
      });
    });
    return { child, ready: JSON.parse(line) as T };
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
}

/** SIGTERM, then wait until the child has exited (it may still be writing its data dir), SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcessByStdio<null, Readable, Readable>, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const test = base.extend<{ sandboxOptions: SandboxOptions; sandbox: Sandbox; admin: AdminClient }>({
  sandboxOptions: [{ containerDelayMs: 100, webhook: { maxAttempts: 3, baseMs: 50, timeoutMs: 2000 } }, { option: true }],
  sandbox: async ({ sandboxOptions }, use) => {
    const sandbox = await startSandbox(sandboxOptions);
    await use(sandbox);
    await sandbox.close();
  },
  admin: async ({ sandbox }, use) => {
    await use(new AdminClient(sandbox));
  },
});

export { expect, type Page };
