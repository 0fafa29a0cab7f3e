import { randomUUID } from 'node:crypto';
import { registerApiLanes, type ApiLanes } from '../../runners/index.js';
import { runAction, type Action } from '../../safety/index.js';
import { browserHarness, type BrowserHarness } from './harness.js';
import { test, expect, IG, sha256 } from './fixtures.js';

/**
 * Issue 9, the hybrid lane against the real sandbox: one lane acts, the other confirms
 * (`policy.hybrid_routes`). GP2 and GP3 in the crossed combinations: the publish is confirmed by
 * the lane that did not make it, lands once in the sandbox's ground truth, and a resubmission of
 * the same key posts nothing more.
 */
let b: BrowserHarness | undefined;
let lanes: ApiLanes | undefined;
test.afterEach(async ({}, info) => {
  await lanes?.close();
  await b?.close(info);
  b = lanes = undefined;
});

const ROUTES = [
  { gp: 'GP2', act: 'api', verify: 'browser' },
  { gp: 'GP3', act: 'browser', verify: 'api' },
] as const;

for (const route of ROUTES) {
  test(`${route.gp} publish on the hybrid lane, acting on the ${route.act} and confirmed by the ${route.verify}: one post, the crossed confirmation audited, a resubmission posts nothing more`, async ({ provider, sandbox, admin }) => {
    // Two runs through both lanes (a browser episode, Graph container polling): over a minute on a loaded 2-core host.
    test.setTimeout(180_000);
    b = await browserHarness(provider, sandbox, { policy: { hybrid_routes: { publish: { act: route.act, verify: route.verify } } } });
    lanes = registerApiLanes(b.h.services, { baseUrls: { instagram: sandbox.platforms.instagram, x: sandbox.platforms.x } });
    // The same stored account on both lanes: its browser session and its (sealed) API token.
    await b.h.services.vault.seal(b.account.platform_account_id, 'access_token', IG.northwind.token, { scopes: ['instagram_business_content_publish'] });
    const caption = `crossed ${route.act}→${route.verify} ${randomUUID()}`;
    // An image URL both lanes can take: the Graph API fetches it, the browser uploads it.
    const payload = { caption, media: [{ source: `${sandbox.platforms.instagram}/media/seed-17900000000000001.png` }] };
    const key = `crossed-${randomUUID()}`;
    const run = async (a: Action) => {
      try {
        return await runAction(b!.h.services.kernel, a.action_id);
      } finally {
        await b!.performer.dispose(a.action_id);
      }
    };
    const submit = () => b!.h.submit({ platform_account_id: b!.account.platform_account_id, lane: 'hybrid', action_type: 'publish', payload, idempotency_key: key });

    const first = await run(await submit());
    expect(first.status, first.reason).toBe('confirmed_success');
    const reasons = (await b.h.services.store.audit.forAction(first.action.action_id)).map((r) => r.event.reason ?? '');
    // The confirmation came from the other lane (its looks are tagged with their lane).
    expect(reasons.some((r) => r.startsWith('verified at level') && r.includes(` on ${route.verify}:`)), reasons.join('\n')).toBe(true);
    expect(b.h.logLines.some((l) => l.includes('hybrid route') && l.includes(`"act":"${route.act}"`))).toBe(true);
    const effects = await admin.effects({ kind: 'publish' });
    expect(effects).toEqual([expect.objectContaining({ payload_sha256: sha256(caption), account: { id: IG.northwind.id, handle: IG.northwind.handle }, via: route.act === 'api' ? 'api' : 'ui' })]);
    expect(first.action.result.permalink).toContain('/p/');

    const again = await run(await submit());
    expect(again.status).toBe('confirmed_success');
    expect(again.action.result.duplicate_of ?? again.duplicate_of).toBe(first.action.action_id);
    await admin.quiesce();
    expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);
  });
}
