import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHarness, tempDir } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { freshDatabaseUrl } from '../helpers/postgres.js';
import { killStartedFarms, startFarmProcess, type FarmChild } from '../helpers/farm-process.js';
import { currentDependency, verifyAuditChain } from '../../safety/index.js';

/** Released by recovery: its owner died before the attempt (recovery.ts), so its key is free and nothing ran. */
const interruptedBefore = (action: { result: { error_code?: unknown } }) => action.result.error_code === 'interrupted';

interface Span { action_id: string; account: string; pid: number; ev: 'start' | 'end'; at: number }
const jsonl = <T>(file: string): T[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : []);

test.describe('several farm hosts on one PostgreSQL (issue 14)', () => {
  // Three farm processes boot their job threads at once on two cores.
  test.setTimeout(480_000);
  test.afterEach(killStartedFarms);

  test('should share the work among three hosts, take over a killed one, fence a paused one, and act on each account from one host at a time, each action once', async () => {
    const h = await createHarness({ performer: new FakePlatform(), realSleep: true, config: { databaseUrl: await freshDatabaseUrl() } });
    const dirs = ['a', 'b', 'c'].map(() => tempDir());
    try {
      const accounts = [h.account.platform_account_id];
      // As many accounts as the three hosts have runner slots (two each): every host gets work.
      for (let i = 1; i < 6; i += 1) {
        const acc = await h.services.store.accounts.create({ ...h.account, platform_account_id: `host-acc-${i}`, fingerprint: { ...h.account.fingerprint, handle: `hostacc${i}` } });
        accounts.push(acc.platform_account_id);
      }
      const truth = join(h.dir, 'truth.jsonl');
      // Three hosts (their own data dirs and host ids) on the one database; short leases and
      // staleness bounds so a dead or frozen host's accounts are taken over within seconds.
      const host = (name: string, i: number): FarmChild => startFarmProcess(dirs[i]!.path, truth, 1500, {
        ...process.env, RAIZE_DATA_DIR: dirs[i]!.path, RAIZE_DATABASE_URL: h.services.config.databaseUrl!, RAIZE_HOST_ID: `farm-${name}`,
        RAIZE_HEARTBEAT_MS: '250', RAIZE_TEST_FARM_LOG: 'warn', RAIZE_FOREIGN_OWNER_STALE_MS: '1500', RAIZE_FARM_LEASE_TTL_MS: '2000',
      });
      const [a, b, c] = [host('a', 0), host('b', 1), host('c', 2)];
      const killedAt: Record<number, number> = {};
      // The work arrives once every host is up (a loaded machine boots a farm's job threads slowly).
      await Promise.all([a, b, c].map((f) => f.until((l) => l.ev === 'ready', 120_000)));
      const actions: { action_id: string }[] = [];
      for (let i = 0; i < 36; i += 1) {
        actions.push(await h.submit({ platform_account_id: accounts[i % accounts.length]!, payload: { caption: `shared work ${i}` } }));
      }

      // Whichever host commits first dies right after that effect, before the answer: its action is left `attempted`.
      const hosts = [a, b, c];
      /** The first host of `among` to commit from now on, and what. */
      const committedBy = async (among: FarmChild[]): Promise<{ host: FarmChild; action_id: string }> => {
        const seen = new Map(among.map((f) => [f, f.lines.length]));
        let found: { host: FarmChild; action_id: string } | undefined;
        await expect.poll(() => {
          for (const f of among) {
            const line = f.lines.slice(seen.get(f)).find((l) => l.ev === 'committed');
            if (line) found ??= { host: f, action_id: line.action_id as string };
          }
          return found !== undefined;
        }, { timeout: 120_000, intervals: [20] }).toBe(true);
        return found!;
      };
      const killed = (await committedBy(hosts)).host;
      killed.child.kill('SIGKILL');
      killedAt[killed.child.pid!] = Date.now();
      await killed.exited;
      // Another host freezes right after one of its effects, for longer than its lease and its
      // heartbeat bound: a third takes its accounts and its action over; then it wakes up.
      const alive = hosts.filter((f) => f !== killed);
      const { host: sleeper, action_id: frozen } = await committedBy(alive);
      sleeper.child.kill('SIGSTOP');
      const pause = { pid: sleeper.child.pid!, from: Date.now(), to: 0 };
      // Frozen with its answer still held: the write-ahead record is all the others see.
      expect((await h.services.store.actions.get(frozen))!.state).toBe('attempted');
      await new Promise((r) => setTimeout(r, 8000));
      sleeper.child.kill('SIGCONT');
      pause.to = Date.now();
      const watcher = alive.find((f) => f !== sleeper)!;

      // A request the killed host left before its attempt was released and queued again by
      // recovery: what counts is where each request ended, following those links.
      const finalOf = async (x: { action_id: string }) => currentDependency(h.services.store, (await h.services.store.actions.get(x.action_id))!);
      const unsettled = async () => {
        const open = [];
        for (const x of actions) {
          const now = await finalOf(x);
          if (now.state === 'postcheck_complete') continue;
          const moves = (await h.services.store.audit.forAction(now.action_id)).map((r) => `${r.event.transition.to}${r.event.reason ? ` (${r.event.reason})` : ''}`);
          open.push(`${x.action_id} → ${now.action_id} ${now.state} owner ${now.owner_id}: ${moves.join(' → ')}`);
        }
        return open;
      };
      await expect.poll(unsettled, { timeout: 300_000, intervals: [500] }).toEqual([]);

      // Each request took effect once, and no action was attempted twice (a takeover verifies,
      // never re-runs); those the killed host left before their attempt took none and were
      // queued again, the new action taking the effect. An attempt a host was in when it died or
      // froze, before its effect (each host runs two at once; a loaded machine widens the gap
      // between the write-ahead record and the effect), is proven absent by the looks and ends
      // failed: never run again blindly, and never counted as an effect.
      const effects = jsonl<{ action_id: string; pid: number }>(truth);
      const completed: string[] = [];
      let requeued = 0;
      let provenAbsent = 0;
      for (const x of actions) {
        const done = await finalOf(x);
        if (done.action_id !== x.action_id) {
          requeued += 1;
          expect(interruptedBefore((await h.services.store.actions.get(x.action_id))!)).toBe(true);
        }
        expect(done.attempt_count, done.action_id).toBe(1);
        if (done.result.error_code === 'verified_absent') {
          provenAbsent += 1;
          const moves = (await h.services.store.audit.forAction(done.action_id)).map((r) => `${r.event.transition.from}→${r.event.transition.to}`);
          expect(moves, done.action_id).toContain('attempted→unknown');
          continue;
        }
        completed.push(done.action_id);
        expect(done.result.platform_object_id).toBe(`obj_${done.action_id}`);
      }
      expect(requeued).toBeLessThanOrEqual(2);
      expect(provenAbsent).toBeLessThanOrEqual(2);
      expect(effects.map((e) => e.action_id).sort()).toEqual(completed.sort());
      // The work was shared, and the frozen host's action was settled by another host's look.
      expect(new Set(effects.map((e) => e.pid)).size).toBeGreaterThan(1);
      const moves = (await h.services.store.audit.forAction(frozen)).map((r) => `${r.event.transition.from}→${r.event.transition.to}`);
      expect(moves, `${moves.join(' ')}\n${watcher.stderr().slice(-3000)}`).toContain('attempted→unknown');
      expect(moves.filter((m) => m === 'identity_verified→attempted')).toHaveLength(1);
      expect((await verifyAuditChain(h.services.store)).ok).toBe(true);

      // One host at a time on each account: no two hosts' attempts on one account overlap, the
      // killed host's last one ending at its death, and the frozen host's attempt under way at
      // its pause exempt (a frozen process holds nothing; it did nothing new once awake).
      const spans = new Map<string, { pid: number; account: string; from: number; to: number }>();
      for (const s of jsonl<Span>(`${truth}.spans`)) {
        const key = `${s.pid}:${s.action_id}`;
        const span = spans.get(key) ?? { pid: s.pid, account: s.account, from: s.at, to: killedAt[s.pid] ?? Number.POSITIVE_INFINITY };
        if (s.ev === 'start') span.from = s.at;
        else span.to = s.at;
        spans.set(key, span);
      }
      const live = [...spans.values()].filter((s) => !(s.pid === pause.pid && s.from <= pause.from && s.to >= pause.from));
      for (const s of live) expect(Number.isFinite(s.to), `an attempt of pid ${s.pid} never ended`).toBe(true);
      for (const x of live) {
        for (const y of live) {
          if (x === y || x.account !== y.account || x.pid === y.pid) continue;
          expect(x.to <= y.from || y.to <= x.from, `pids ${x.pid} and ${y.pid} on ${x.account} at once`).toBe(true);
        }
      }
      // Once awake, the frozen host started nothing on the account it had lost until it held it again:
      // its writes for the action it was running were refused (fenced), not recorded.
      expect(effects.filter((e) => e.action_id === frozen)).toHaveLength(1);
      for (const f of alive) f.child.kill('SIGTERM');
      for (const f of alive) expect(await f.exited).toBe(0);
    } finally {
      await h.close();
      for (const d of dirs) d.remove();
    }
  });
});

test.describe('ledger claims from several processes on PostgreSQL (issue 14)', () => {
  test('should let exactly one of many concurrent claims of each key win across 3 processes', async () => {
    const { spawn } = await import('node:child_process');
    const { writeFileSync } = await import('node:fs');
    const { createPostgresStore } = await import('../../store/index.js');
    const url = await freshDatabaseUrl();
    const migrated = createPostgresStore({ url, poolSize: 1 });
    await migrated.ledger.get('migrate');
    await migrated.close();
    const dir = tempDir();
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
      const children = [0, 1, 2].map((worker) => {
        // Each process starts at a different key and walks the ring, so every key is contended.
        const file = join(dir.path, `keys-${worker}.json`);
        writeFileSync(file, JSON.stringify([...keys.slice(worker * 67), ...keys.slice(0, worker * 67)]));
        const child = spawn(process.execPath, ['--import', 'tsx', new URL('../helpers/claim-child.ts', import.meta.url).pathname, url, String(worker), file], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stderr!.on('data', (d) => (err += d));
        child.stdout!.on('data', (d) => (out += d));
        /** The first stdout line that `match`es. */
        const line = (match: (l: string) => boolean) => new Promise<string>((resolve, reject) => {
          const check = () => { const l = out.split('\n').find(match); if (l !== undefined) resolve(l); };
          child.stdout!.on('data', check);
          child.once('exit', (code) => { check(); reject(new Error(`claim process ${worker} exited ${code}: ${out.slice(-500)} ${err.slice(-1000)}`)); });
          check();
        });
        return { child, ready: line((l) => l === 'ready'), done: line((l) => l.startsWith('{')) };
      });
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.child.stdin!.write('go\n');
      const reports = (await Promise.all(children.map((c) => c.done))).map((l) => JSON.parse(l) as { worker: number; won: string[] });
      const wins = reports.flatMap((r) => r.won);
      expect(wins.length).toBe(keys.length);
      expect(new Set(wins).size).toBe(keys.length);
      // Contention was real: more than one process won something.
      expect(reports.filter((r) => r.won.length > 0).length).toBeGreaterThan(1);
      // The ledger names each key's one winner.
      const store = createPostgresStore({ url, poolSize: 1 });
      try {
        for (const key of keys) {
          const winner = reports.find((r) => r.won.includes(key))!;
          expect((await store.ledger.get(key))!.action_id).toBe(`p${winner.worker}-${key}`);
        }
      } finally {
        await store.close();
      }
    } finally {
      dir.remove();
    }
  });
});
