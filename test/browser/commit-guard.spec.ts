import { randomUUID } from 'node:crypto';
import { instagramPublish, sel, type Flow } from '../../flows/index.js';
import { auditTrail } from '../helpers/kernel.js';
import { browserHarness, type BrowserHarness } from './harness.js';
import { test, expect, IG, sha256, eventually } from './fixtures.js';

/**
 * Issue 8, browser lane: no commit leaves the browser without the kernel's last check, and the
 * page about to commit must show the action's account. Each test reads the sandbox's ground
 * truth (GET /__sandbox/effects), not only what the kernel believes.
 */

let b: BrowserHarness | undefined;
test.afterEach(async ({}, info) => {
  await b?.close(info);
  b = undefined;
});

const publish = (b: BrowserHarness, caption = `guarded loaf ${randomUUID()}`) => b.submit('publish', { caption, media: [{ source: b.image }] });
const stateOf = async (b: BrowserHarness) => (await b.h.services.store.accounts.get(b.account.platform_account_id))!.state;

/** The product's publish flow up to the composer filled in, then a last step of the test's own. */
function publishWith(share: Flow['steps'][number]['run']): Flow {
  return { ...instagramPublish, steps: [...instagramPublish.steps.filter((s) => s.name !== 'share'), { name: 'share', run: share }] };
}

test.describe('identity at the commit', () => {
  test('should stop before the share click when the active account switches after the identity check: no click, nothing applied, account needs_human', async ({ provider, sandbox, admin }) => {
    const h = (b = await browserHarness(provider, sandbox));
    // The login's active account changes while the composer loads (another tab, the app): the
    // identity check at the start of the episode passed, the composer's chrome shows lumen.studio.
    await admin.fault({ kind: 'account_switch', platform: 'instagram', account: IG.northwind.handle, to: IG.lumen.handle, match: { method: 'GET', surface: 'compose' } });
    const action = await publish(h);
    const outcome = await h.run(action);
    expect(outcome.status, outcome.reason).toBe('confirmed_failed');
    expect(outcome.reason).toMatch(/^identity_mismatch: attempt 1 refused/);
    expect(await stateOf(h)).toBe('needs_human');
    expect(await auditTrail(h.h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'confirmed_failed', 'postcheck_complete']);
    // The episode stopped at the share step, before its click: no mutating request left the browser.
    expect(h.recorder.calls.map((c) => `${c.step}:${c.phase}`).slice(-2)).toEqual(['write_caption:after', 'share:failed']);
    await admin.quiesce();
    expect(await admin.effects()).toEqual([]);
    // The kernel's warning names the signals the page got wrong.
    expect(h.h.logLines.some((l) => l.includes('"code":"identity_mismatch"'))).toBe(true);
  });
});

test.describe('whose commit it is: the account cookie read as the commit leaves', () => {
  // After the page about to commit was read, a background request of the page is answered with
  // a switch of the browser's active account (the app, another device): the jar's ds_user_id now
  // names lumen.studio, and the platform acts as the account a request's cookie names. The page's
  // chrome still shows northwind.bakery: only the commit request's cookie tells.
  const switchedBehindThePage = publishWith(async (fc) => {
    const share = fc.page.locator(sel(fc, 'composer', 'share'));
    await fc.episode.beforeCommit();
    await fc.page.request.get(new URL('/direct/inbox/', fc.origin).href);
    await share.click();
    await fc.page.locator(fc.layout.annex.receipts.publish!).waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
  });

  test('should stop a commit whose cookie names another account before it leaves: nothing applied anywhere, attempt refused as identity_mismatch, account needs_human', async ({ provider, sandbox, admin }) => {
    const h = (b = await browserHarness(provider, sandbox, { flows: { publish: switchedBehindThePage } }));
    await admin.fault({ kind: 'account_switch', platform: 'instagram', account: IG.northwind.handle, to: IG.lumen.handle, match: { method: 'GET', surface: 'inbox' } });
    const action = await publish(h);
    const outcome = await h.run(action);
    expect(outcome.status, outcome.reason).toBe('confirmed_failed');
    expect(outcome.reason).toMatch(/^identity_mismatch: attempt 1 refused/);
    expect(outcome.reason).toContain(`would have acted as platform user ${IG.lumen.id} (cookie ds_user_id)`);
    expect(await stateOf(h)).toBe('needs_human');
    await admin.quiesce();
    // Ground truth: the switch happened (the rule fired), and no post landed on either account.
    expect((await admin.request('GET', '/__sandbox/faults/fired')).json.counts.account_switch).toBe(1);
    expect(await admin.effects()).toEqual([]);
  });
});

test.describe('request guard: an unguarded commit is blocked in the browser', () => {
  test.describe('a flow that clicks Share without beforeCommit()', () => {
    const unguarded = publishWith(async (fc) => {
      // The bug under test: the commit click without the kernel's last check.
      await fc.page.click(sel(fc, 'composer', 'share'));
      await fc.page.locator(fc.layout.annex.friction.toast).waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
    });

    test('should never let the share reach the platform, refuse the attempt as commit_unguarded and stop the account', async ({ provider, sandbox, admin }) => {
      const h = (b = await browserHarness(provider, sandbox, { flows: { publish: unguarded } }));
      const action = await publish(h);
      const outcome = await h.run(action);
      // The guard stopped every unchecked request inside the browser and says so: nothing left,
      // so nothing needs verifying. The attempt fails, and the lane stops on the account.
      expect(outcome.status, outcome.reason).toBe('confirmed_failed');
      expect(outcome.reason).toMatch(/^commit_unguarded: attempt 1 refused/);
      expect(await stateOf(h)).toBe('read_only');
      const final = (await h.h.services.store.actions.get(action.action_id))!;
      expect(final.attempt_count).toBe(1);
      expect(final.escalated_at).toBeNull();
      const notes = (await h.h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(notes.some((n) => /^look /.test(n))).toBe(false);
      await admin.quiesce();
      // Ground truth: the share never reached the platform.
      expect(await admin.effects()).toEqual([]);
    });
  });

  test.describe('a flow that commits twice on one beforeCommit()', () => {
    const twice = publishWith(async (fc) => {
      const share = fc.page.locator(sel(fc, 'composer', 'share'));
      await fc.episode.beforeCommit();
      await share.click();
      // The bug under test: a second click on a button that stayed enabled, with no second check.
      await share.click();
      await fc.page.locator(fc.layout.annex.receipts.publish!).waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
      // A second click can land while the first navigation already replaced the page (then it
      // sends nothing): the same bug as a request the page itself fires, which always leaves.
      await fc.page.evaluate((url) => fetch(url, { method: 'POST', body: new URLSearchParams({ caption: 'again' }) }).catch(() => undefined), new URL('/create/', fc.origin).href).catch(() => undefined);
    });

    test('should let exactly one commit through per passed check, block the second and settle the first by verification', async ({ provider, sandbox, admin }) => {
      const h = (b = await browserHarness(provider, sandbox, { flows: { publish: twice } }));
      await admin.fault({ kind: 'share_stays_enabled', platform: 'instagram' });
      await admin.fault({ kind: 'latency', platform: 'instagram', action: 'publish', ms: 400, count: 1 });
      const caption = `twice clicked ${randomUUID()}`;
      const action = await publish(h, caption);
      const outcome = await h.run(action);
      // The first share went out under the check and landed; the second never left the browser.
      expect(outcome.status, outcome.reason).toBe('confirmed_success');
      expect(await stateOf(h)).toBe('read_only');
      const notes = (await h.h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(notes.some((n) => /attempt 1: commit_unguarded/.test(n))).toBe(true);
      const effects = await eventually(() => admin.effects({ kind: 'publish' }), (e) => e.length > 1, 1000);
      expect(effects).toEqual([expect.objectContaining({ payload_sha256: sha256(caption), account: { id: IG.northwind.id, handle: IG.northwind.handle } })]);
    });
  });
});

test.describe('a page nobody knows after the commit click', () => {
  // Chaos --farm seed 13: an Instagram follow whose answer was lost (ack_lost) left the browser's
  // own error page; a later read timed out, and the guardrails' "no known layout" (DriftError)
  // was returned as it was — a definite refusal — although the click had gone out: the follow
  // was live and the action recorded failed.
  const lost = publishWith(async (fc) => {
    const share = fc.page.locator(sel(fc, 'composer', 'share'));
    await fc.episode.beforeCommit();
    await share.click();
    await fc.page.locator(fc.layout.annex.receipts.publish!).waitFor({ state: 'visible', timeout: 10_000 });
    // What a dropped answer leaves: a page of no known layout; then a read that never comes back.
    await fc.page.setContent('<html><body><h1>This site can’t be reached</h1></body></html>');
    await fc.page.locator('[data-testid="share-receipt"]').waitFor({ state: 'visible', timeout: 500 });
  });

  test('should take friction found after the click for an unknown outcome, never a refusal, and find the post', async ({ provider, sandbox, admin }) => {
    const h = (b = await browserHarness(provider, sandbox, { flows: { publish: lost } }));
    const caption = `answer lost ${randomUUID()}`;
    const action = await publish(h, caption);
    const outcome = await h.run(action);
    expect(outcome.status, outcome.reason).toBe('confirmed_success');
    expect(await auditTrail(h.h.services, action.action_id)).toContain('unknown');
    expect(await admin.effects({ kind: 'publish' })).toEqual([expect.objectContaining({ payload_sha256: sha256(caption) })]);
  });
});
