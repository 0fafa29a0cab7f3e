import { createDmService, type DmService } from '../../dm/index.js';
import { browserCommentReader } from '../../runners/index.js';
import { browserHarness, type BrowserHarness } from './harness.js';
import { eventually, expect, IG, sha256, test } from './fixtures.js';
import { enableEngage } from '../helpers/engage.js';

const SEED_POST = { code: 'SEED2aBc', id: '17900000000000002' };

let b: BrowserHarness;
let dm: DmService;
test.beforeEach(async ({ provider, sandbox }) => {
  b = await browserHarness(provider, sandbox, { as: 'lumen' });
  dm = createDmService({ store: b.h.services.store, dataDir: b.h.dir });
  // Lumen on the browser lane only (no API token): a client without API access, so no webhooks
  // either — the poll is its whole engage loop.
  const store = b.h.services.store;
  await enableEngage(store, b.h.client.client_id, { rule_id: 'menu', keywords: ['menu'], reply_text: 'Check your DMs!', dm_text: 'Our menu: https://lumen.example.com/menu' });
});
test.afterEach(async ({}, info) => {
  await dm.idle();
  await b.close(info);
});

const engaged = async (b: BrowserHarness) =>
  (await b.h.services.store.actions.list({ client_id: b.h.client.client_id, limit: 50 })).filter((a) => a.action_type === 'comment_reply' || a.action_type === 'dm_send');

test.describe('GP4 on the browser lane: the engage loop for a client without API access', () => {
  // Several read-only episodes and two browser actions in one test.
  test.setTimeout(150_000);
  test('a keyword comment read from the web gets one reply and one DM to the commenter\'s handle, however often it polls', async ({ admin }) => {
    const before = Date.now() - 1000;
    const keyword = await admin.request('POST', '/__sandbox/comment', { from: IG.marco.handle, post_id: SEED_POST.id, text: 'Is the MENU online?' });
    expect(keyword.status, JSON.stringify(keyword.json)).toBe(201);
    const commentId = (keyword.json as { comment: { id: string } }).comment.id;
    // No keyword, and a keyword comment from before the poll's window: read or not, neither acts.
    expect((await admin.request('POST', '/__sandbox/comment', { from: IG.ana.handle, post_id: SEED_POST.id, text: 'Lovely loaf' })).status).toBe(201);
    expect((await admin.request('POST', '/__sandbox/comment', { from: IG.ana.handle, post_id: SEED_POST.id, text: 'menu?', created_at: new Date(before - 3_600_000).toISOString() })).status).toBe(201);

    const reader = browserCommentReader(b.h.services.store, b.performer);
    // The page shows new comments after their lag: it may take more than one look.
    const found = await eventually(async () => {
      const report = await dm.pollComments({ browser: reader }, { sinceMs: before });
      expect(report.failed).toBe(0);
      return engaged(b);
    }, (list) => list.length >= 2);
    expect(found).toHaveLength(2);
    const again = await dm.pollComments({ browser: reader }, { sinceMs: before });
    expect(again).toMatchObject({ accounts: 1, new_comments: 0, failed: 0, busy: 0 });
    expect(again.comments).toBeGreaterThanOrEqual(2);

    const queued = await engaged(b);
    expect(queued.map((a) => a.action_type).sort()).toEqual(['comment_reply', 'dm_send']);
    const reply = queued.find((a) => a.action_type === 'comment_reply')!;
    const send = queued.find((a) => a.action_type === 'dm_send')!;
    // The comment's id is the one its permalink shows (the same the Graph API and webhooks use);
    // the commenter is known by handle only, and a browser DM is no private reply.
    expect(reply).toMatchObject({ lane: 'browser', payload: { target: SEED_POST.code, comment_id: commentId, text: 'Check your DMs!' } });
    expect(send).toMatchObject({ lane: 'browser', payload: { recipient: `@${IG.marco.handle}`, text: 'Our menu: https://lumen.example.com/menu' } });
    expect(send.payload).not.toHaveProperty('private_reply_to');

    for (const a of [reply, send]) {
      const outcome = await b.run(a);
      expect(outcome.status, `${a.action_type}: ${outcome.reason}`).toBe('confirmed_success');
    }
    await admin.quiesce();
    const effects = (await admin.effects()).filter((e) => e.account.id === IG.lumen.id);
    expect(effects.filter((e) => e.kind === 'reply')).toEqual([expect.objectContaining({ target_id: commentId, payload_sha256: sha256('Check your DMs!'), via: 'ui' })]);
    expect(effects.filter((e) => e.kind === 'dm_send')).toEqual([expect.objectContaining({ target_id: IG.marco.id, payload_sha256: sha256('Our menu: https://lumen.example.com/menu'), via: 'ui' })]);

    // Our own reply shows under the comment now: the next poll acts on nothing.
    await dm.pollComments({ browser: reader }, { sinceMs: before });
    expect(await engaged(b)).toHaveLength(2);
  });

  test('the poll never opens an account a runner is working on: it waits for the next pass', async ({ admin }) => {
    const store = b.h.services.store;
    const before = Date.now() - 1000;
    expect((await admin.request('POST', '/__sandbox/comment', { from: IG.marco.handle, post_id: SEED_POST.id, text: 'menu please' })).status).toBe(201);
    const lease = (await store.leases.acquire(b.account.platform_account_id, 'runner-on-another-host', 60_000, new Date()))!;
    let reads = 0;
    const reader = browserCommentReader(store, { readComments: async (account, read) => ((reads += 1), b.performer.readComments(account, read)) });
    expect(await dm.pollComments({ browser: reader }, { sinceMs: before })).toMatchObject({ accounts: 1, busy: 1, comments: 0, failed: 0 });
    expect(reads).toBe(0);
    expect(await engaged(b)).toHaveLength(0);
    // The runner's lease is untouched by the poll; once given up, the poll reads and gives its own back.
    expect(await store.leases.get(b.account.platform_account_id)).toMatchObject({ owner_id: 'runner-on-another-host', fence: lease.fence });
    expect(await store.leases.release(b.account.platform_account_id, 'runner-on-another-host', lease.fence)).toBe(true);
    await eventually(async () => {
      await dm.pollComments({ browser: reader }, { sinceMs: before });
      return engaged(b);
    }, (list) => list.length >= 2);
    expect(reads).toBeGreaterThan(0);
    expect(await store.leases.active(new Date())).toHaveLength(0);
  });

  test('a session that shows another account than the one stored reads nothing: another account\'s comments never look like ours', async ({ admin }) => {
    const store = b.h.services.store;
    const before = Date.now() - 1000;
    expect((await admin.request('POST', '/__sandbox/comment', { from: IG.marco.handle, post_id: SEED_POST.id, text: 'menu please' })).status).toBe(201);
    // The account as stored names someone else: the page's identity signals do not match it.
    const elsewhere = { ...b.account, fingerprint: { platform_user_id: '6100000000009999', handle: 'someone.else', display_name: 'Someone Else', extra: {} } };
    const reader = browserCommentReader(store, b.performer);
    await expect(reader(elsewhere, { sinceMs: before })).rejects.toThrow(/does not show the account/);
    expect(await store.leases.active(new Date())).toHaveLength(0);
    // The poll logs it and goes on; the real account is read.
    const report = await eventually(() => dm.pollComments({ browser: reader }, { sinceMs: before }), (r) => r.new_comments >= 1);
    expect(report).toMatchObject({ accounts: 1, failed: 0 });
  });
});
