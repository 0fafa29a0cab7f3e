import { randomUUID } from 'node:crypto';
import { createInstagramApiPerformer, type InstagramApiOptions } from '../../runners/index.js';
import { runAction, type Action, type RunOutcome, type SubmitInput } from '../../safety/index.js';
import type { PlatformAccount, Vault } from '../../store/index.js';
import type { Sandbox } from '../../sandbox/index.js';
import { createHarness, type Harness } from '../helpers/kernel.js';
import { IG, type AdminClient } from '../sandbox/fixtures.js';

type SeededIg = (typeof IG)['northwind' | 'lumen'];

export interface IgLane {
  h: Harness;
  /** The Instagram API performer itself (its read-only comment poll, say). */
  performer: ReturnType<typeof createInstagramApiPerformer>;
  account: PlatformAccount;
  /** Connects another seeded business account (its sealed token) to the same client. */
  connect(seed: SeededIg): Promise<PlatformAccount>;
  submit(input: Partial<SubmitInput> & Pick<SubmitInput, 'action_type' | 'payload'>, on?: PlatformAccount): Promise<Action>;
  run(a: Action): Promise<RunOutcome>;
  /** The action's audit reasons, in order. */
  trail(a: Action): Promise<string[]>;
  /** The proofs (§6.1 request refs, permalinks) the action's audit events carry. */
  proofs(a: Action): Promise<string[]>;
  close(): Promise<void>;
}

/** The real kernel with the Instagram API performer against the sandbox, Northwind connected by its (sealed) token. */
export async function igLane(sandbox: Sandbox, options: Partial<InstagramApiOptions> = {}): Promise<IgLane> {
  let vault: Vault | undefined;
  let harness: Harness | undefined;
  const performer = createInstagramApiPerformer({
    baseUrl: sandbox.platforms.instagram, vault: { open: (...a) => vault!.open(...a) }, pollMs: 50, pollCapMs: 250, listingWaitMs: 6_000,
    actions: { get: (id) => harness!.services.store.actions.get(id) }, ...options,
  });
  const h = await createHarness({ performer, realSleep: true });
  harness = h;
  vault = h.services.vault;
  const connect = async (seed: SeededIg) => {
    const now = new Date().toISOString();
    const account = await h.services.store.accounts.create({
      platform_account_id: randomUUID(), client_id: h.client.client_id, platform: 'instagram',
      fingerprint: { platform_user_id: seed.id, handle: seed.handle, display_name: seed.handle, extra: {} },
      timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
    });
    await vault!.seal(account.platform_account_id, 'access_token', seed.token, { scopes: ['instagram_business_content_publish', 'instagram_business_manage_messages', 'instagram_business_manage_comments'] });
    return account;
  };
  const account = await connect(IG.northwind);
  return {
    h, account, connect, performer,
    submit: (input, on = account) => h.submit({ platform_account_id: on.platform_account_id, lane: 'api', ...input }),
    run: (a) => runAction(h.services.kernel, a.action_id),
    trail: async (a) => (await h.services.store.audit.forAction(a.action_id)).map((r) => r.event.reason ?? ''),
    proofs: async (a) => (await h.services.store.audit.forAction(a.action_id)).flatMap((r) => r.event.proof.artifact_refs),
    async close() {
      await performer.close();
      await h.close();
    },
  };
}

/** A publish payload as the browser lane and the chaos schedule write it. */
export function publishPayload(caption: string, media: { source: string; kind: 'image' | 'video' }[]): Record<string, unknown> {
  return { caption, media };
}

export const image = (name: string) => ({ source: `https://cdn.example.com/${name}.jpg`, kind: 'image' as const });
export const video = (name: string) => ({ source: `https://cdn.example.com/${name}.mp4`, kind: 'video' as const });

/** Requests the platforms handled so far, once they are quiet: equal before and after means nothing was sent. */
export async function handled(admin: AdminClient): Promise<number> {
  return (await admin.quiesce()).handled;
}

export const caption = (what: string) => `${what} ${randomUUID().slice(0, 8)}`;
