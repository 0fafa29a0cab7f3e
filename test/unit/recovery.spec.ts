import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recoverInterrupted, type Performer } from '../../safety/index.js';
import { createHarness, auditTrail } from '../helpers/kernel.js';

const childScript = fileURLToPath(new URL('../helpers/crash-child.ts', import.meta.url));

/** Reads the ground truth the child wrote: the platform's view, for read-only verification. */
function truthVerifier(truthFile: string, calls: { attempt: number; verify: number }): Performer {
  return {
    tool: 'connector', toolVersion: '1.0.0',
    async verifyIdentity() { return { ok: true, signals: [] }; },
    async precheck() { return { exists: false }; },
    async attempt() {
      calls.attempt += 1;
      throw new Error('recovery must never attempt');
    },
    async verify(ctx) {
      calls.verify += 1;
      const lines = existsSync(truthFile) ? readFileSync(truthFile, 'utf8').trim().split('\n').filter(Boolean) : [];
      const found = lines.map((l) => JSON.parse(l) as { payload_hash: string; object_id: string }).find((e) => e.payload_hash === ctx.action.payload_hash);
      return found ? { outcome: 'present', level: 2, platform_object_id: found.object_id } : { outcome: 'absent', level: 0 };
    },
  };
}

async function runChildUntil(args: string[], marker: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child never printed ${marker}; stderr: ${err}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test.describe('crash recovery', () => {
  for (const mode of ['commit', 'before_commit'] as const) {
    test(`should turn an action left in attempted by a killed process (${mode === 'commit' ? 'after' : 'before'} the effect) into unknown and settle it by verification only`, async () => {
      const calls = { attempt: 0, verify: 0 };
      const h = await createHarness();
      const truthFile = join(h.dir, 'ground-truth.jsonl');
      h.services.performers.register('api', 'instagram', truthVerifier(truthFile, calls));
      try {
        const action = await h.submit({ payload: { caption: 'Crash test' } });
        await runChildUntil([h.services.config.dbFile, truthFile, action.action_id, mode], mode === 'commit' ? 'committed' : 'attempting');
        const stranded = (await h.services.store.actions.get(action.action_id))!;
        expect(stranded.state).toBe('attempted');
        expect(stranded.attempt_count).toBe(1);

        const report = await recoverInterrupted(h.services.kernel);
        expect(report.recovered).toEqual([action.action_id]);
        const settled = (await h.services.store.actions.get(action.action_id))!;
        expect(calls.attempt).toBe(0);
        expect(calls.verify).toBe(1);
        expect(settled.attempt_count).toBe(1);
        if (mode === 'commit') {
          expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_success', 'postcheck_complete']);
          expect(settled.result.platform_object_id).toBe('obj_crash_1');
          expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('succeeded');
        } else {
          expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_failed', 'postcheck_complete']);
          expect(settled.result.error_code).toBe('verified_absent');
          expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
        }
        const events = await h.services.store.audit.forAction(action.action_id);
        expect(events.find((e) => e.event.transition.to === 'unknown')!.event.reason).toMatch(/^recovery: owner .+ stopped between attempted and its outcome/);
      } finally {
        await h.close();
      }
    });
  }

  test('should leave alone an action whose owner is alive and within its lease', async () => {
    const h = await createHarness();
    try {
      const action = await h.submit();
      const { ActionTracker } = await import('../../safety/tracker.js');
      const t = new ActionTracker(h.services.store, action, () => new Date());
      await t.move('preflight_passed');
      await t.move('identity_verified');
      // Owned by this very process (another kernel instance), lease in the future.
      await t.move('attempted', { patch: { owner_id: `${(await import('node:os')).hostname()}/${process.pid}/0/other`, lease_expires_at: new Date(Date.now() + 60_000).toISOString() } });
      const report = await recoverInterrupted(h.services.kernel);
      expect(report).toMatchObject({ found: 1, recovered: [] });
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('attempted');
    } finally {
      await h.close();
    }
  });
});
