import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, createHarness, type Harness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { killStartedFarms, startFarmProcess } from '../helpers/farm-process.js';
import { strayRejectionHandler } from '../../runners/index.js';

/** A farm process on the harness's data dir and store; a killed owner is presumed gone once its heartbeat is half a second old and its pid is dead. */
const startHarnessFarm = (h: Harness, truth: string, holdMs: number) => startFarmProcess(h.dir, truth, holdMs, cliEnv(h, { RAIZE_OWNER_STALE_MS: '500' }));

const effects = (truth: string) => (existsSync(truth) ? readFileSync(truth, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action_id: string; pid: number }) : []);

test.describe('the farm process: crash and SIGTERM (issue 10)', () => {
  // A farm process boots its job threads first: on a loaded host that alone can take tens of seconds.
  test.setTimeout(240_000);
  test.afterEach(killStartedFarms);
  test('should settle an action whose farm was SIGKILLed after `attempted` by verification on restart, with exactly one effect', async () => {
    const h = await createHarness({ performer: new FakePlatform(), realSleep: true });
    const truth = join(h.dir, 'truth.jsonl');
    try {
      const a = await h.submit({ payload: { caption: 'killed mid-episode' } });
      const first = startHarnessFarm(h, truth, 60_000);
      await first.until((l) => l.ev === 'committed' && l.action_id === a.action_id);
      // Between the effect and its answer: the write-ahead record is all that is left.
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      expect((await h.services.store.actions.get(a.action_id))!.state).toBe('attempted');
      const second = startHarnessFarm(h, truth, 100);
      try {
        await expect.poll(async () => (await h.services.store.actions.get(a.action_id))!.state, { timeout: 90_000 }).toBe('postcheck_complete');
        const settled = (await h.services.store.actions.get(a.action_id))!;
        expect(settled.attempt_count).toBe(1);
        expect(settled.result.platform_object_id).toBe(`obj_${a.action_id}`);
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
      const farm = startHarnessFarm(h, truth, 8000);
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
