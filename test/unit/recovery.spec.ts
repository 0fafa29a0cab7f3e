import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recoverInterrupted, runAction, type Performer } from '../../safety/index.js';
import { ActionTracker } from '../../safety/tracker.js';
import { FencedError } from '../../store/index.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { cliEnv, createHarness, auditTrail, type Harness } from '../helpers/kernel.js';

const childScript = fileURLToPath(new URL('../helpers/crash-child.ts', import.meta.url));

/** Reads the ground truth the child wrote: the platform's view, for read-only verification. */
function truthVerifier(truthFile: string, calls: { attempt: number; verify: number }): Performer {
  return {
    tool: 'connector', toolVersion: '1.0.0',
    async verifyIdentity() { return { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }] }; },
    async precheck() { return { exists: false }; },
    async attempt() {
      calls.attempt += 1;
      throw new Error('recovery must never attempt');
    },
    async verify(ctx) {
      calls.verify += 1;
      // A lane that identifies the effect precisely (a client token the platform echoes back).
      const lines = existsSync(truthFile) ? readFileSync(truthFile, 'utf8').trim().split('\n').filter(Boolean) : [];
      const found = lines.map((l) => JSON.parse(l) as { payload_hash: string; object_id: string }).find((e) => e.payload_hash === ctx.action.payload_hash);
      return found
        ? { outcome: 'present', level: 2, platform_object_id: found.object_id, surface: 'by_token', precise: true }
        : { outcome: 'absent', level: 0, surface: 'by_token', precise: true };
    },
  };
}

async function runChildUntil(h: Harness, args: string[], marker: string) {
  // The child opens the harness's store: the SQLite file, or the PostgreSQL database (RAIZE_DATABASE_URL).
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv(h) });
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
        await runChildUntil(h, [h.services.config.dbFile, truthFile, action.action_id, mode], mode === 'commit' ? 'committed' : 'attempting');
        const stranded = (await h.services.store.actions.get(action.action_id))!;
        expect(stranded.state).toBe('attempted');
        expect(stranded.attempt_count).toBe(1);
        // Its heartbeat is fresh: not yet taken over, although its process is gone.
        expect((await recoverInterrupted(h.services.kernel)).recovered).toEqual([]);
        h.clock.advance(h.services.config.ownerStaleMs * 2); // the child stamped real time; the margin covers the test so far

        const report = await recoverInterrupted(h.services.kernel);
        expect(report.recovered).toEqual([action.action_id]);
        const settled = (await h.services.store.actions.get(action.action_id))!;
        expect(calls.attempt).toBe(0);
        expect(settled.attempt_count).toBe(1);
        expect(settled.fence).toBe(stranded.fence + 1);
        if (mode === 'commit') {
          expect(calls.verify).toBe(1);
          expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_success', 'postcheck_complete']);
          expect(settled.result.platform_object_id).toBe('obj_crash_1');
          expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('succeeded');
        } else {
          // Absence is proven only by precise looks spanning the visibility window.
          expect(calls.verify).toBeGreaterThanOrEqual(2);
          expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_failed', 'postcheck_complete']);
          expect(settled.result.error_code).toBe('verified_absent');
          const looks = settled.absence.map((l) => Date.parse(l.at));
          expect(Math.max(...looks) - Date.parse(settled.attempt_ended_at!)).toBeGreaterThanOrEqual(h.services.config.absenceWindowMs);
          expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
        }
        const events = await h.services.store.audit.forAction(action.action_id);
        expect(events.find((e) => e.event.transition.to === 'unknown')!.event.reason).toMatch(/^recovery: owner .+ stopped between attempted and its outcome/);
      } finally {
        await h.close();
      }
    });
  }

  test('should release the key and the budget of an action whose owner died between the claim and attempted', async () => {
    const calls = { attempt: 0, verify: 0 };
    const h = await createHarness();
    const truthFile = join(h.dir, 'ground-truth.jsonl');
    h.services.performers.register('api', 'instagram', truthVerifier(truthFile, calls));
    try {
      await h.services.store.budgets.set({ platform_account_id: h.account.platform_account_id, action_type: 'publish', per_hour: 1, per_day: null, min_spacing_ms: 0 });
      const action = await h.submit({ payload: { caption: 'Crash after the claim' } });
      await runChildUntil(h, [h.services.config.dbFile, truthFile, action.action_id, 'precheck'], 'prechecking');
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('identity_verified');
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('in_flight');
      h.clock.advance(h.services.config.ownerStaleMs * 2); // the child stamped real time; the margin covers the test so far
      const report = await recoverInterrupted(h.services.kernel);
      expect(report).toMatchObject({ recovered: [], released: [action.action_id] });
      const released = (await h.services.store.actions.get(action.action_id))!;
      expect(released).toMatchObject({ state: 'blocked', result: { error_code: 'interrupted' } });
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
      // The request is queued again by recovery itself (no one has to resubmit it): a new action in
      // the same episode, same key and payload, which takes the freed key and the freed budget
      // slot and is attempted once.
      expect(report.requeued).toHaveLength(1);
      const again = (await h.services.store.actions.get(report.requeued[0]!))!;
      expect(again).toMatchObject({ state: 'queued', episode_id: action.episode_id, idempotency_key: action.idempotency_key, payload_hash: action.payload_hash, owner_id: null, fence: 0 });
      expect((await h.services.store.audit.forAction(again.action_id))[0]!.event.reason).toMatch(new RegExp(`^requeued: ${action.action_id} was interrupted before any attempt`));
      const platform = new FakePlatform();
      platform.useClock(() => h.clock.now().getTime());
      h.services.performers.register('api', 'instagram', platform);
      expect((await runAction(h.services.kernel, again.action_id)).status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
      expect(calls.attempt).toBe(0);
    } finally {
      await h.close();
    }
  });

  /** Moves the action to `state` under an owner of another host whose heartbeat stopped long ago. */
  async function abandon(h: Harness, action: Awaited<ReturnType<Harness['submit']>>, state: 'preflight_passed' | 'identity_verified') {
    const dead = `gone-host/4242/0/${action.action_id.slice(-8)}`;
    const long = new Date(h.clock.now().getTime() - 3_600_000).toISOString();
    await h.services.store.owners.register({ owner_id: dead, host: 'gone-host', pid: 4242, started_at: long, heartbeat_at: long });
    const t = new ActionTracker(h.services.store, action, () => h.clock.now());
    await t.move('preflight_passed', { patch: { owner_id: dead } });
    if (state === 'identity_verified') await t.move('identity_verified');
  }

  test('should queue an interrupted request again at most three times, with its approvals, and leave the fourth release to a human', async () => {
    const h = await createHarness();
    try {
      let action = await h.submit({ payload: { caption: 'Interrupted again and again' } });
      await h.services.store.actions.addApproval(action.action_id, 'lee@agency');
      const ids = [action.action_id];
      for (let round = 1; round <= 4; round++) {
        await abandon(h, action, round % 2 ? 'preflight_passed' : 'identity_verified');
        const report = await recoverInterrupted(h.services.kernel);
        expect(report.released).toEqual([action.action_id]);
        if (round === 4) {
          expect(report.requeued).toEqual([]);
          expect((await h.services.store.actions.get(action.action_id))!.result).toMatchObject({ error_code: 'interrupted', requeue_exhausted: true });
          // Left for a human: later passes do not pick it up as a lost requeue either.
          h.clock.advance(120_000);
          expect((await recoverInterrupted(h.services.kernel)).requeued).toEqual([]);
          break;
        }
        expect(report.requeued).toHaveLength(1);
        action = (await h.services.store.actions.get(report.requeued[0]!))!;
        ids.push(action.action_id);
        // The approval named this content: it carries over.
        expect(await h.services.store.actions.approvals(action.action_id)).toEqual(['lee@agency']);
      }
      const episode = await h.services.store.actions.list({ episode_id: action.episode_id });
      expect(episode.map((a) => a.action_id)).toEqual(ids);
      // Each released action names the one queued in its place.
      expect(episode.map((a) => a.result.requeued_as)).toEqual([...ids.slice(1), undefined]);
      expect(episode.every((a) => a.state === 'blocked' && a.result.error_code === 'interrupted')).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('should queue again a request whose recoverer died between the release and the requeue, once that release is a minute old', async () => {
    const h = await createHarness();
    try {
      const action = await h.submit({ payload: { caption: 'Released, then the recoverer died' } });
      await abandon(h, action, 'preflight_passed');
      // What a recoverer that died after its first write leaves: released, not queued again.
      const current = (await h.services.store.actions.get(action.action_id))!;
      await new ActionTracker(h.services.store, current, () => h.clock.now()).move('blocked', { patch: { result: { error_code: 'interrupted' } } });
      // Fresh: another recoverer may still be between its two writes.
      expect((await recoverInterrupted(h.services.kernel)).requeued).toEqual([]);
      h.clock.advance(61_000);
      const report = await recoverInterrupted(h.services.kernel);
      expect(report.requeued).toHaveLength(1);
      expect((await h.services.store.actions.get(action.action_id))!.result.requeued_as).toBe(report.requeued[0]);
      // Once linked, never again.
      h.clock.advance(61_000);
      expect((await recoverInterrupted(h.services.kernel)).requeued).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('should take over an action this process owns when no run of it is under way here (its outcome was never written), and leave one whose run is under way', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const platform = new FakePlatform();
    const slow: Performer = { ...platform, tool: platform.tool, toolVersion: platform.toolVersion,
      verifyIdentity: (ctx) => platform.verifyIdentity(ctx), precheck: (ctx) => platform.precheck(ctx), verify: (ctx, r) => platform.verify(ctx, r),
      async attempt(ctx) { await gate; return platform.attempt(ctx); } };
    const h = await createHarness({ performer: slow });
    try {
      // A run under way (its attempt held): our own owner, but running here — left alone.
      const busy = await h.submit({ payload: { caption: 'Attempt under way' } });
      const running = runAction(h.services.kernel, busy.action_id);
      await expect.poll(async () => (await h.services.store.actions.get(busy.action_id))!.state).toBe('attempted');
      expect((await recoverInterrupted(h.services.kernel)).recovered).toEqual([]);
      // What a run whose outcome write failed leaves: attempted, our owner, no run under way.
      const left = await h.submit({ payload: { caption: 'Outcome never written' } });
      const t = new ActionTracker(h.services.store, left, () => h.clock.now());
      await t.move('preflight_passed', { patch: { owner_id: h.services.kernel.ownerId } });
      await t.move('identity_verified');
      await t.move('attempted');
      const report = await recoverInterrupted(h.services.kernel, { verify: false });
      expect(report.recovered).toEqual([left.action_id]);
      expect((await h.services.store.actions.get(left.action_id))!.state).toBe('unknown');
      release();
      expect((await running).status).toBe('confirmed_success');
    } finally {
      release();
      await h.close();
    }
  });

  test('should let an action that depends on an interrupted one wait for, and then follow, the request queued in its place', async () => {
    const h = await createHarness();
    const platform = new FakePlatform();
    platform.useClock(() => h.clock.now().getTime());
    h.services.performers.register('api', 'instagram', platform);
    try {
      const first = await h.submit({ payload: { caption: 'First, then the follow-up' } });
      const second = await h.submit({ payload: { caption: 'The follow-up' }, depends_on: first.action_id });
      await abandon(h, first, 'identity_verified');
      const report = await recoverInterrupted(h.services.kernel);
      const again = report.requeued[0]!;
      // The dependency was released, not failed: the dependent waits for the new request…
      expect((await runAction(h.services.kernel, second.action_id)).status).toBe('deferred');
      expect((await h.services.store.actions.get(second.action_id))!.state).toBe('queued');
      expect((await runAction(h.services.kernel, again)).status).toBe('confirmed_success');
      // … and goes once it succeeded.
      h.clock.advance(60_000);
      expect((await runAction(h.services.kernel, second.action_id)).status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  test('should leave alone an action whose owner is another live kernel instance of this process', async () => {
    const h = await createHarness();
    try {
      const action = await h.submit();
      const t = new ActionTracker(h.services.store, action, () => h.clock.now());
      const other = `${(await import('node:os')).hostname()}/${process.pid}/0/other`;
      await h.services.store.owners.register({ owner_id: other, host: 'here', pid: process.pid, started_at: h.clock.now().toISOString(), heartbeat_at: h.clock.now().toISOString() });
      await t.move('preflight_passed', { patch: { owner_id: other } });
      await t.move('identity_verified');
      await t.move('attempted', { patch: { lease_expires_at: new Date(0).toISOString() } });
      // An expired lease (or deadline) proves nothing: the owner's heartbeat is fresh.
      h.clock.advance(h.services.config.ownerStaleMs * 2);
      await h.services.store.owners.heartbeat(other, h.clock.now());
      const report = await recoverInterrupted(h.services.kernel);
      expect(report).toMatchObject({ found: 1, recovered: [], released: [] });
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('attempted');
    } finally {
      await h.close();
    }
  });
});

test.describe('owner liveness', () => {
  test('should count a stale owner whose pid now belongs to a newer process as gone (pid reuse), and a live one as alive', async () => {
    const { ownerIsGone } = await import('../../safety/index.js');
    const { hostname } = await import('node:os');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const id = `${hostname()}/${child.pid}/0/abcd1234`;
      const now = new Date();
      const bounds = { ownerStaleMs: 30_000, foreignOwnerStaleMs: 120_000 };
      const stale = new Date(now.getTime() - 60_000).toISOString();
      const owner = (startedAt: string) => ({ owner_id: id, host: hostname(), pid: child.pid!, started_at: startedAt, heartbeat_at: stale });
      const me = `${hostname()}/${process.pid}/0/self0000`;
      // Registered an hour ago: the process now holding that pid started later, so it is not the owner.
      expect(ownerIsGone({ owner_id: id }, owner(new Date(now.getTime() - 3_600_000).toISOString()), me, now, bounds)).toBe(true);
      // Registered after that process started: it is the owner, alive; a stale heartbeat alone is not death.
      expect(ownerIsGone({ owner_id: id }, owner(now.toISOString()), me, now, bounds)).toBe(false);
      // A fresh heartbeat is never gone, whatever else.
      expect(ownerIsGone({ owner_id: id }, { ...owner(new Date(0).toISOString()), heartbeat_at: now.toISOString() }, me, now, bounds)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('should judge an owner of another host id by its heartbeat alone, even when a process with its pid runs here (hosts sharing a machine, RAIZE_HOST_ID)', async () => {
    const { ownerIsGone, newOwnerId } = await import('../../safety/index.js');
    const me = newOwnerId('farm-a');
    expect(me.startsWith(`farm-a/${process.pid}/`)).toBe(true);
    // Host farm-b's process runs on this machine (alive): that says nothing about host farm-b.
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const other = `farm-b/${child.pid}/0/abcd1234`;
      const now = new Date();
      const bounds = { ownerStaleMs: 30_000, foreignOwnerStaleMs: 120_000 };
      const owner = (ageMs: number) => ({ owner_id: other, host: 'farm-b', pid: child.pid!, started_at: now.toISOString(), heartbeat_at: new Date(now.getTime() - ageMs).toISOString() });
      expect(ownerIsGone({ owner_id: other }, owner(60_000), me, now, bounds)).toBe(false);
      expect(ownerIsGone({ owner_id: other }, owner(121_000), me, now, bounds)).toBe(true);
      // The same owner seen from its own host id: its process is checked, and it runs.
      expect(ownerIsGone({ owner_id: other }, owner(121_000), newOwnerId('farm-b'), now, bounds)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

/**
 * A host that goes silent (its heartbeat never beats again) running on the fake platform, and a
 * recoverer on another host sharing its store and clock.
 */
async function pausedHostAndRecoverer(platform: FakePlatform, ownerId: string) {
  const paused = await createHarness({ performer: platform, config: { heartbeatMs: 600_000 }, overrides: { ownerId } });
  const { createServices, PerformerRegistry } = await import('../../runners/index.js');
  const recoverer = createServices(paused.services.config, {
    performers: new PerformerRegistry().register('api', 'instagram', platform),
    log: { destination: { write: () => undefined } }, now: () => paused.clock.now(), sleep: async (ms) => paused.clock.advance(ms),
  });
  return { paused, recoverer };
}

test.describe('defect 2: an expired lease counted a live owner as gone', () => {
  test('should not take over a slow attempt of a live owner, so the resubmitted request is never attempted twice', async () => {
    // Two kernel instances on one store, on real time: A is slow past its deadline but alive.
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const platform = new FakePlatform({ onAttempt: () => stalled, lag: { listMs: 0 } });
    const config = { actionDeadlineMs: 200, heartbeatMs: 100, ownerStaleMs: 500, foreignOwnerStaleMs: 1000, absenceWindowMs: 50, verifyBaseMs: 10 };
    const a = await createHarness({ performer: platform, config, realSleep: true });
    const { createServices, PerformerRegistry } = await import('../../runners/index.js');
    const b = createServices(a.services.config, { performers: new PerformerRegistry().register('api', 'instagram', platform), log: { destination: { write: () => undefined } } });
    try {
      const action = await a.submit({ payload: { caption: 'Slow but alive' } });
      const running = runAction(a.services.kernel, action.action_id);
      await expect.poll(async () => platform.calls.attempt, { timeout: 10_000 }).toBe(1);
      // Well past A's deadline and B's staleness bounds in wall time: A's heartbeat keeps going.
      await new Promise((r) => setTimeout(r, 1500));
      const report = await recoverInterrupted(b.kernel);
      expect(report.recovered).toEqual([]);
      const resubmitted = await a.submit({ payload: { caption: 'Slow but alive' } });
      const duplicate = await runAction(b.kernel, resubmitted.action_id, { verifyInline: false });
      expect(duplicate).toMatchObject({ status: 'blocked', duplicate_of: action.action_id });
      // A stopped waiting at its deadline (unknown, never a retry). Its slow call wakes up now and
      // reaches its commit check, which sees the action moved on: nothing is committed.
      release();
      expect((await running).status).toBe('unknown');
      await expect.poll(() => platform.calls.beforeCommit).toBe(1);
      await a.services.store.audit.count(); // a round trip for the refused check to settle
      expect(platform.effects).toHaveLength(0);
      expect((await b.store.actions.get(action.action_id))!.state).toBe('unknown');
      expect(platform.calls.attempt).toBe(1);
    } finally {
      await b.close();
      await a.close();
    }
  });

  test('should refuse the ledger claim of a run taken over before it (its request queued again claims the key and takes effect once) — chaos --farm seed 13 on PostgreSQL', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    let identities = 0;
    // The first run stalls in its identity check, before its claim (a starved or frozen host).
    const platform = new FakePlatform({ onIdentity: () => (identities += 1) === 1 ? stalled : undefined, lag: { listMs: 0 } });
    const { paused, recoverer } = await pausedHostAndRecoverer(platform, 'host-b.example/4243/0/paused02');
    try {
      const action = await paused.submit({ payload: { caption: 'Claimed by a run taken over' } });
      const running = runAction(paused.services.kernel, action.action_id);
      await expect.poll(() => identities).toBe(1);
      paused.clock.advance(paused.services.config.foreignOwnerStaleMs + 1);
      const report = await recoverInterrupted(recoverer.kernel, { verify: false });
      expect(report.released).toEqual([action.action_id]);
      expect(report.requeued).toHaveLength(1);
      // The first run wakes up: its claim is refused, it writes nothing more.
      release();
      expect((await running).reason).toMatch(/^ownership_lost/);
      expect(await recoverer.store.ledger.get(action.idempotency_key)).toBeNull();
      // The request queued in its place runs, claims the key and takes effect, once.
      const again = await runAction(recoverer.kernel, report.requeued[0]!);
      expect(again.status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
      expect((await recoverer.store.ledger.get(action.idempotency_key))!).toMatchObject({ action_id: report.requeued[0], status: 'succeeded' });
    } finally {
      release();
      await recoverer.close();
      await paused.close();
    }
  });

  test('should take over a silent owner on another host, and refuse every later write and commit of that owner (fencing)', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const platform = new FakePlatform({ onAttempt: () => stalled, lag: { listMs: 0 } });
    const { paused, recoverer } = await pausedHostAndRecoverer(platform, 'host-b.example/4242/0/paused01');
    try {
      const action = await paused.submit({ payload: { caption: 'Paused host' } });
      const running = runAction(paused.services.kernel, action.action_id);
      await expect.poll(async () => platform.calls.attempt).toBe(1);
      // Host B goes silent (paused): after the foreign bound, the work is taken over.
      paused.clock.advance(paused.services.config.foreignOwnerStaleMs + 1);
      const report = await recoverInterrupted(recoverer.kernel, { verify: false });
      expect(report.recovered).toEqual([action.action_id]);
      const taken = (await recoverer.store.actions.get(action.action_id))!;
      expect(taken).toMatchObject({ state: 'unknown', owner_id: recoverer.kernel.ownerId, fence: 1 });
      // Host B resumes: its commit check sees the takeover, nothing reaches the platform.
      release();
      const outcome = await running;
      expect(outcome.reason).toMatch(/^ownership_lost/);
      expect(platform.effects).toHaveLength(0);
      // And a write with its old token is refused by the store itself.
      const stale = new ActionTracker(paused.services.store, { ...taken, fence: 0 }, () => paused.clock.now());
      await expect(stale.note('late write of the paused owner')).rejects.toBeInstanceOf(FencedError);
      expect((await recoverer.store.actions.get(action.action_id))!).toMatchObject({ state: 'unknown', fence: 1 });
    } finally {
      await recoverer.close();
      await paused.close();
    }
  });
});
