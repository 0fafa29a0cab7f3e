import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../cli/schedule.js';
import type { PlatformAccount, Store } from '../../store/index.js';
import { cliEnv, createHarness, type Harness } from '../helpers/kernel.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));
const CANARY = 'CANARY-caption-7731';

/** The real CLI on the harness's store; every output is kept to check no caption ever leaks. */
function cli(h: Harness, outputs: string[]) {
  return (...args: string[]) => {
    const run = spawnSync(process.execPath, [bin, ...args], {
      env: cliEnv(h, { USER: 'cli-test' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    outputs.push(run.stdout, run.stderr);
    return run;
  };
}

async function addAccount(store: Store, clientId: string, platform: PlatformAccount['platform'] = 'instagram'): Promise<PlatformAccount> {
  const now = new Date().toISOString();
  return store.accounts.create({
    platform_account_id: randomUUID(), client_id: clientId, platform,
    fingerprint: { platform_user_id: randomUUID(), handle: 'second.account', display_name: 'Second', extra: {} },
    timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
  });
}

const csvCell = (value: string) => `"${value.replaceAll('"', '""')}"`;

test.describe('raize actions and raize schedule (issue 10 item 7)', () => {
  test('should parse CSV with quoted commas, doubled quotes, line breaks in quotes and CRLF', () => {
    expect(parseCsv('a,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\r\nlines",\n')).toEqual([
      ['a', 'b', 'c'], ['1', 'x, y', 'say "hi"'], ['2', 'two\r\nlines', ''],
    ]);
    expect(parseCsv('\uFEFFa\n""\nlast')).toEqual([['a'], [''], ['last']]);
    expect(() => parseCsv('a,b\n1,"open')).toThrow('CSV line 2: a quoted field is never closed');
    expect(() => parseCsv('a\nx"y')).toThrow('CSV line 2: a quote inside an unquoted field');
    expect(() => parseCsv('a\n"x"y')).toThrow('CSV line 2: text after a closing quote');
  });

  test('should schedule posts from JSON and CSV files, and submit nothing when one row is invalid', async () => {
    test.setTimeout(180_000);
    const h = await createHarness();
    const outputs: string[] = [];
    const raize = cli(h, outputs);
    const store = h.services.store;
    try {
      const clientId = h.client.client_id;
      const a = h.account.platform_account_id;
      const b = (await addAccount(store, clientId, 'x')).platform_account_id;
      const other = await store.clients.create({ client_id: randomUUID(), name: 'Other Co', created_at: new Date().toISOString() });
      const foreign = (await addAccount(store, other.client_id)).platform_account_id;

      const json = join(h.dir, 'posts.json');
      writeFileSync(json, JSON.stringify([
        { platform_account_id: a, due_at: '2030-03-01T09:00:00+01:00', window_end_at: '2030-03-01T10:00:00+01:00', caption: `${CANARY} json`, media: 'https://cdn.example/a.jpg' },
        { platform_account_id: b, client_id: clientId, lane: 'api', due_at: '2030-03-02T09:00:00Z', caption: `${CANARY} json 2`, window_end_at: null },
      ]));
      const fromJson = raize('schedule', json, '--client', clientId, '--by', 'rita@agency');
      expect(fromJson.status, fromJson.stderr).toBe(0);
      const jsonIds = fromJson.stdout.trim().split('\n').map((l) => l.split(/\s+/));
      expect(jsonIds.map(([, account, due]) => [account, due])).toEqual([[a, '2030-03-01T08:00:00.000Z'], [b, '2030-03-02T09:00:00.000Z']]);
      expect(fromJson.stderr).toContain('scheduled 2 action(s)');
      const first = (await store.actions.get(jsonIds[0]![0]!))!;
      expect(first).toMatchObject({
        state: 'queued', client_id: clientId, lane: 'browser', action_type: 'publish', created_by: 'rita@agency',
        due_at: '2030-03-01T08:00:00.000Z', window_end_at: '2030-03-01T09:00:00.000Z',
        payload: { caption: `${CANARY} json`, media: [{ source: 'https://cdn.example/a.jpg', kind: 'image' }] },
      });
      expect((await store.actions.get(jsonIds[1]![0]!))!).toMatchObject({ platform: 'x', lane: 'api', window_end_at: null });

      const csv = join(h.dir, 'posts.csv');
      const tricky = `${CANARY}, with "quotes", commas\nand a second line`;
      writeFileSync(csv, [
        'platform_account_id,due_at,window_end_at,caption,media,client_id',
        `${a},2030-04-01T09:00:00Z,,${csvCell(tricky)},,${clientId}`,
        `${b},2030-04-02T09:00:00Z,2030-04-02T11:00:00Z,${csvCell(`${CANARY} plain`)},media/b.png,`,
        '',
      ].join('\r\n'));
      const fromCsv = raize('schedule', csv, '--client', clientId);
      expect(fromCsv.status, fromCsv.stderr).toBe(0);
      const csvIds = fromCsv.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]!);
      expect(csvIds).toHaveLength(2);
      expect((await store.actions.get(csvIds[0]!))!).toMatchObject({ payload: { caption: tricky }, created_by: 'cli-test', platform_account_id: a });
      expect((await store.actions.get(csvIds[1]!))!).toMatchObject({ payload: { media: [{ source: 'media/b.png' }] }, window_end_at: '2030-04-02T11:00:00.000Z' });

      // One good row among bad ones: nothing at all is submitted, each problem names its row and field.
      const before = (await store.actions.list()).length;
      const bad = join(h.dir, 'bad.csv');
      writeFileSync(bad, [
        'platform_account_id,due_at,caption',
        `${a},2030-05-01T09:00:00Z,${csvCell(`${CANARY} good row`)}`,
        `${a},next tuesday,${csvCell(`${CANARY} bad time`)}`,
        `${foreign},2030-05-03T09:00:00Z,${csvCell(`${CANARY} other client`)}`,
        `no-such-account,2030-05-04T09:00:00Z,x`,
      ].join('\n'));
      const rejected = raize('schedule', bad, '--client', clientId);
      expect(rejected.status).toBe(2);
      expect(rejected.stdout).toBe('');
      expect(rejected.stderr).toContain('3 problem(s); nothing submitted');
      expect(rejected.stderr).toContain('row 2: due_at: Invalid ISO datetime');
      expect(rejected.stderr).toContain(`row 3: platform_account_id: account ${foreign} does not belong to client ${clientId}`);
      expect(rejected.stderr).toContain('row 4: platform_account_id: no account no-such-account');
      expect(rejected.stderr).not.toContain('row 1');
      expect((await store.actions.list()).length).toBe(before);

      // A dry run checks and prints, and queues nothing.
      const dry = raize('schedule', csv, '--client', clientId, '--dry-run');
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`row 1  ${a}  2030-04-01T09:00:00.000Z  (dry run: not submitted)`);
      expect(dry.stderr).toContain('dry run: 2 row(s) valid; nothing submitted');
      expect((await store.actions.list()).length).toBe(before);

      for (const output of outputs) expect(output).not.toContain(CANARY);
    } finally {
      await h.close();
    }
  });

  test('should list, show, cancel and reschedule actions with the reason of their state, never printing payload text', async () => {
    test.setTimeout(180_000);
    const h = await createHarness();
    const outputs: string[] = [];
    const raize = cli(h, outputs);
    const store = h.services.store;
    try {
      const a = h.account.platform_account_id;
      const b = (await addAccount(store, h.client.client_id)).platform_account_id;
      const early = await h.submit({ payload: { caption: `${CANARY} early` }, due_at: '2030-01-01T09:00:00Z' });
      const later = await h.submit({ platform_account_id: b, payload: { caption: `${CANARY} later` }, due_at: '2030-06-01T09:00:00Z' });
      const latest = await h.submit({ payload: { caption: `${CANARY} latest` }, due_at: '2031-01-01T09:00:00Z' });
      const doomed = await h.submit({ payload: { caption: `${CANARY} doomed` }, due_at: '2030-02-01T09:00:00Z', window_end_at: '2030-02-01T10:00:00Z' });

      const cancel = raize('actions', 'cancel', doomed.action_id, '--reason', 'client asked', '--by', 'rita@agency');
      expect(cancel.status, cancel.stderr).toBe(0);
      expect(cancel.stdout).toContain(`cancelled ${doomed.action_id}`);

      // `raize actions` alone is `actions list`: the queued actions of account A.
      const mine = raize('actions', '--state', 'queued', '--account', a, '--json');
      expect(mine.status, mine.stderr).toBe(0);
      const rows = mine.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.map((r) => r.action_id)).toEqual([early.action_id, latest.action_id]);
      expect(rows[0]).toMatchObject({ state: 'queued', reason: 'submitted', due_at: '2030-01-01T09:00:00.000Z', window_end_at: null });

      // States as a comma list and a repeat, due before March 2030: the early one and the cancelled one.
      const due = raize('actions', 'list', '--state', 'queued,blocked', '--state', 'unknown', '--due-before', '2030-03-01T00:00:00Z');
      expect(due.status, due.stderr).toBe(0);
      const lines = due.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain(early.action_id);
      expect(lines[0]).toMatch(/queued\s+submitted\s+\[due 2030-01-01T09:00:00.000Z\]/);
      expect(lines[1]).toContain(doomed.action_id);
      expect(lines[1]).toMatch(/blocked\s+cancelled: by rita@agency \(client asked\)\s+\[due 2030-02-01T09:00:00.000Z, window_end 2030-02-01T10:00:00.000Z\]/);
      expect(due.stderr).toContain('2 action(s)');

      // show: the state and its reason, the payload's key names and hash, the whole trail.
      const shown = raize('actions', 'show', doomed.action_id);
      expect(shown.status, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/state\s+blocked — cancelled: by rita@agency \(client asked\)/);
      expect(shown.stdout).toMatch(new RegExp(`payload_hash\\s+${doomed.payload_hash}`));
      expect(shown.stdout).toMatch(/payload_keys\s+caption/);
      expect(shown.stdout).toMatch(/result\s+error_code=cancelled/);
      expect(shown.stdout).toContain('audit trail (2 event(s)):');
      expect(shown.stdout).toMatch(/#\d+ {2}\S+ {2}∅ → queued {2}submitted/);
      expect(shown.stdout).toMatch(/#\d+ {2}\S+ {2}queued → blocked {2}cancelled: by rita@agency \(client asked\)/);

      const reschedule = raize('actions', 'reschedule', later.action_id, '--due', '2030-07-01T09:00:00+02:00', '--window-end', '2030-07-01T12:00:00+02:00', '--by', 'rita@agency');
      expect(reschedule.status, reschedule.stderr).toBe(0);
      expect(await store.actions.get(later.action_id)).toMatchObject({ state: 'queued', due_at: '2030-07-01T07:00:00.000Z', window_end_at: '2030-07-01T10:00:00.000Z' });

      const json = raize('actions', 'show', later.action_id, '--json');
      expect(json.status, json.stderr).toBe(0);
      const record = JSON.parse(json.stdout) as Record<string, unknown> & { audit: { from: string | null; to: string; reason: string }[] };
      expect(record).toMatchObject({ state: 'queued', payload_keys: ['caption'], due_at: '2030-07-01T07:00:00.000Z', attempt_count: 0, verify_tries: 0 });
      expect(record).not.toHaveProperty('payload');
      expect(record.reason).toContain('rescheduled by rita@agency: due 2030-06-01T09:00:00.000Z → 2030-07-01T07:00:00.000Z');
      expect(record.audit.map((e) => [e.from, e.to])).toEqual([[null, 'queued'], ['queued', 'queued']]);

      const unknown = raize('actions', 'show', 'no-such-id');
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('no action no-such-id');
      const late = raize('actions', 'reschedule', doomed.action_id, '--due', '2030-08-01T09:00:00Z');
      expect(late.status).toBe(2);
      expect(late.stderr).toContain('only a queued action can be rescheduled');
      const badState = raize('actions', '--state', 'sideways');
      expect(badState.status).toBe(2);
      expect(badState.stderr).toContain('--state must be one of queued');

      for (const output of outputs) expect(output).not.toContain(CANARY);
    } finally {
      await h.close();
    }
  });
});
