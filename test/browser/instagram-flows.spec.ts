import { randomUUID } from 'node:crypto';
import { call } from '../sandbox/fixtures.js';
import { browserHarness, type BrowserHarness } from './harness.js';
import { test, expect, IG, sha256 } from './fixtures.js';

const SEED_POST = { code: 'SEED1aBc', id: '17900000000000001' };

let b: BrowserHarness;
test.beforeEach(async ({ provider, sandbox }) => {
  b = await browserHarness(provider, sandbox);
});
test.afterEach(async ({}, info) => {
  await b.close(info);
});

/** Runs an action, then the same payload under a fresh key: the pre-check must stop the second. */
async function onceThenDuplicate(action_type: Parameters<BrowserHarness['submit']>[0], payload: Record<string, unknown>) {
  const first = await b.run(await b.submit(action_type, payload));
  expect(first.status, first.reason).toBe('confirmed_success');
  const again = await b.h.submit({ platform_account_id: b.account.platform_account_id, lane: 'browser', action_type, payload, idempotency_key: `dup-${randomUUID()}` });
  const second = await b.run(again);
  expect(second.status).toBe('confirmed_success');
  expect(second.reason).toBe('already_exists');
  return (await b.h.services.store.actions.get(first.action.action_id))!;
}

test.describe('Instagram flows on the browser lane', () => {
  test('should like a post once and find the like on at the pre-check afterwards', async ({ admin }) => {
    const action = await onceThenDuplicate('like', { target: `/p/${SEED_POST.code}/` });
    // The web shows the post's shortcode, never its media id.
    expect(action.result).toMatchObject({ permalink: expect.stringMatching(new RegExp(`/p/${SEED_POST.code}/$`)), verification_level: 3 });
    expect(action.result.platform_object_id).toBeUndefined();
    // The heart toggles: the second action found it on and never clicked it (no unlike).
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'like', object_id: SEED_POST.id, account: { id: IG.northwind.id, handle: IG.northwind.handle } })]);
  });

  test('should follow an account once and find it followed at the pre-check afterwards', async ({ admin }) => {
    const action = await onceThenDuplicate('follow', { target: IG.lumen.handle });
    expect(action.result).toMatchObject({ permalink: expect.stringMatching(new RegExp(`/${IG.lumen.handle}/$`)), verification_level: 3 });
    expect(action.result.platform_object_id).toBeUndefined();
    // "Following" unfollows when clicked: the second action found it pressed and left it (no unfollow).
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'follow', object_id: IG.lumen.id, account: { id: IG.northwind.id, handle: IG.northwind.handle } })]);
  });

  test('should reply to a comment once and find the reply at the pre-check afterwards', async ({ admin, sandbox }) => {
    const comments = await call(`${sandbox.platforms.instagram}/v21.0/${SEED_POST.id}/comments`, { token: IG.northwind.token });
    const comment = comments.json.data[0].id as string;
    const text = `Thank you! ${randomUUID()}`;
    const action = await onceThenDuplicate('comment_reply', { target: SEED_POST.code, comment_id: comment, text });
    const effects = await admin.effects();
    expect(effects).toEqual([expect.objectContaining({ kind: 'reply', target_id: comment, payload_sha256: sha256(text), account: { id: IG.northwind.id, handle: IG.northwind.handle } })]);
    expect(action.result).toMatchObject({ platform_object_id: effects[0]!.object_id, verification_level: 3 });
  });

  test('should send a DM once, by handle, and find it in the thread at the pre-check afterwards', async ({ admin }) => {
    const text = `Your order is ready ${randomUUID()}`;
    const action = await onceThenDuplicate('dm_send', { recipient: IG.ana.handle, text });
    const effects = await admin.effects();
    expect(effects).toEqual([expect.objectContaining({ kind: 'dm_send', target_id: IG.ana.id, payload_sha256: sha256(text), via: 'ui' })]);
    // A thread shows no message ids: the message is ours by its sender label and words (level 2).
    expect(action.result).toMatchObject({ verification_level: 2 });
    expect(action.result.platform_object_id).toBeUndefined();
  });

  test('should settle a DM whose receipt never shows through verification, with one message', async ({ admin }) => {
    await admin.fault({ kind: 'receipt_missing', platform: 'instagram', action: 'dm_send' });
    const text = `quiet send ${randomUUID()}`;
    const outcome = await b.run(await b.submit('dm_send', { recipient: `@${IG.ana.handle}`, text }));
    expect(outcome.status, outcome.reason).toBe('confirmed_success');
    expect(outcome.action.attempt_count).toBe(1);
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'dm_send', payload_sha256: sha256(text) })]);
  });

  test('should refuse a DM addressed by account id before touching the thread: instagram.com opens conversations by thread, reached from a handle', async ({ admin }) => {
    const outcome = await b.run(await b.submit('dm_send', { recipient: IG.ana.id, text: `by id ${randomUUID()}` }));
    expect(outcome.status).toBe('blocked');
    expect(outcome.reason).toContain('precheck_failed: validation_error');
    expect(outcome.action.attempt_count).toBe(0);
    expect(await admin.effects()).toEqual([]);
  });

  test('should delete an own post once and treat a deleted post as done at the pre-check', async ({ admin }) => {
    const action = await onceThenDuplicate('delete', { target: `/p/${SEED_POST.code}/` });
    expect(action.result).toMatchObject({ permalink: expect.stringMatching(new RegExp(`/p/${SEED_POST.code}/$`)), verification_level: 2 });
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'delete', object_id: SEED_POST.id, account: { id: IG.northwind.id, handle: IG.northwind.handle } })]);
  });

  test('should never take a rate-limited post page for a deleted post: the delete is not "already done" while the post is live', async ({ admin }) => {
    // The post page answers 429 with the platform's error page, at the pre-check and at every
    // look after it: what the chaos --farm runs turned into a delete "done" with the post still up.
    const fault = await admin.request('POST', '/__sandbox/faults', { kind: 'rate_limit', platform: 'instagram', lane: 'ui', count: 3, retry_after_s: 1, match: { method: 'GET', path_prefix: `/p/${SEED_POST.code}/` } });
    expect(fault.status, JSON.stringify(fault.json)).toBe(201);
    const outcome = await b.run(await b.submit('delete', { target: `/p/${SEED_POST.code}/` }));
    const deletes = (await admin.effects()).filter((e) => e.kind === 'delete');
    expect(outcome.reason).not.toBe('already_exists');
    if (outcome.status === 'confirmed_success') expect(deletes).toEqual([expect.objectContaining({ object_id: SEED_POST.id })]);
    else expect(deletes).toEqual([]);
  });

  test('should publish and then delete the new post by its permalink', async ({ admin }) => {
    const caption = `short-lived ${randomUUID()}`;
    const published = await b.run(await b.submit('publish', { caption, media: [{ source: b.image }] }));
    expect(published.status, published.reason).toBe('confirmed_success');
    const permalink = published.action.result.permalink!;
    const deleted = await b.run(await b.submit('delete', { target: permalink }));
    expect(deleted.status, deleted.reason).toBe('confirmed_success');
    const effects = await admin.effects();
    expect(effects.map((e) => e.kind)).toEqual(['publish', 'delete']);
    expect(effects[1]!.object_id).toBe(effects[0]!.object_id);
  });
});
