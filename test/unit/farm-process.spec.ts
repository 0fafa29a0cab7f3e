import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv, createHarness, type Harness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { strayRejectionHandler } from '../../runners/index.js';

const CHILD = fileURLToPath(new URL('../helpers/farm-child.ts', import.meta.url));

interface FarmChild {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves at the first stdout line matching `pred`. */
  until(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Every farm process a test started: whatever a failed test left running is killed after it. */
const started: ChildProcess[] = [];

function startFarmProcess(h: Harness, truth: string, holdMs: number): FarmChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, h.dir, truth, String(holdMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // A killed owner is presumed gone once its heartbeat is half a second old and its pid is dead.
    env: cliEnv(h, { RAIZE_OWNER_STALE_MS: '500' }),
  });
  started.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, i)) as Record<string, unknown>;
      buffer = buffer.slice(i + 1);
      lines.push(line);
      for (const w of waiters.filter((x) => x.pred(line))) w.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, lines, exited,
    until(pred, timeoutMs = 90_000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`farm process: no such line within ${timeoutMs} ms; stdout ${JSON.stringify(lines)}; stderr ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}

const effects = (truth: string) => (existsSync(truth) ? readFileSync(truth, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action_id: string; pid: number }) : []);

test.describe('the farm process: crash and SIGTERM (issue 10)', () => {
  // A farm process boots its job threads first: on a loaded host that alone can take tens of seconds.
  test.setTimeout(240_000);
  test.afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  test('should settle an action whose farm was SIGKILLed after `attempted` by verification on restart, with exactly one effect', async () => {
    const h = await createHarness({ performer: new FakePlatform(), realSleep: true });
    const truth = join(h.dir, 'truth.jsonl');
    try {
      const a = await h.submit({ payload: { caption: 'killed mid-episode' } });
      const first = startFarmProcess(h, truth, 60_000);
      await first.until((l) => l.ev === 'committed' && l.action_id === a.action_id);
      // Between the effect and its answer: the write-ahead record is all that is left.
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      expect((await h.services.store.actions.get(a.action_id))!.state).toBe('attempted');
      const second = startFarmProcess(h, truth, 100);
      try {
        await expect.poll(async () => (await h.services.store.actions.get(a.action_id))!.state, { timeout: 90_000 }).toBe('postcheck_complete');
        const settled = (await h.services.store.actions.get(a.action_id))!;
        expect(settled.attempt_count).toBe(1);
        expect(settled.result.platform_object_id).toBe('obj_1');
        expect(effects(truth).map((e) => e.action_id)).toEqual([a.action_id]);
        const moves = (await h.services.store.audit.forAction(a.action_id)).map((r) => `${r.event.transition.from}→${r.event.transition.to}`);
        expect(moves).toContain('attempted→unknown');
        expect(moves.filter((m) => m === 'identity_verified→attempted')).toHaveLength(1);
        // The restarted farm did not run it again: no second `committed` line.
        expect(second.lines.some((l) => l.ev === 'committed')).toBe(false);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
    } finally {
      await h.close();
    }
  });

  test('should finish the action under way on SIGTERM, start nothing new, and exit 0', async () => {
    const h = await createHarness({ performer: new FakePlatform(), realSleep: true });
    const truth = join(h.dir, 'truth.jsonl');
    try {
      const a = await h.submit({ payload: { caption: 'under way at SIGTERM' } });
      const b = await h.submit({ payload: { caption: 'queued behind it' } });
      // The answer is held long enough for the SIGTERM to land while the action is under way, even
      // when a loaded host delivers the `committed` line late.
      const farm = startFarmProcess(h, truth, 8000);
      await farm.until((l) => l.ev === 'committed' && l.action_id === a.action_id);
      farm.child.kill('SIGTERM');
      expect(await farm.exited).toBe(0);
      expect((await h.services.store.actions.get(a.action_id))!.state).toBe('postcheck_complete');
      expect((await h.services.store.actions.get(b.action_id))!.state).toBe('queued');
      expect(effects(truth).map((e) => e.action_id)).toEqual([a.action_id]);
      expect(farm.lines.filter((l) => l.ev === 'done').map((l) => l.action_id)).toEqual([a.action_id]);
    } finally {
      await h.close();
    }
  });
});

test.describe('the farm process: a promise rejection nobody handled', () => {
  test('a browser call on a page already closed is logged and ignored; anything else ends the process with 1', async () => {
    const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>, msg: string) => void lines.push({ level: 'warn', fields, msg }),
      error: (fields: Record<string, unknown>, msg: string) => void lines.push({ level: 'error', fields, msg }),
    };
    const exits: number[] = [];
    const handle = strayRejectionHandler(logger as never, (code) => void exits.push(code));
    const closed = Object.assign(new Error('Target page, context or browser has been closed'), { name: 'TargetClosedError' });
    handle(closed);
    handle(new Error('Protocol error (Network.setUserAgentOverride): Session closed. Most likely the page has been closed.'));
    expect(exits).toEqual([]);
    expect(lines.map((l) => [l.level, l.fields.code])).toEqual([['warn', 'page_gone'], ['warn', 'page_gone']]);
    handle(new TypeError("Cannot read properties of undefined (reading 'state')"));
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: expect.stringContaining('exits') });
    expect(String(lines.at(-1)!.fields.error)).toContain('TypeError');
  });
});
