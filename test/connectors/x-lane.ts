import { randomUUID } from 'node:crypto';
import { createXApiPerformer, type XApiOptions } from '../../runners/index.js';
import { runAction, type Action, type RunOutcome } from '../../safety/index.js';
import type { ActionType, PlatformAccount, Vault } from '../../store/index.js';
import { createHarness, type Harness } from '../helpers/kernel.js';
import { X } from '../sandbox/fixtures.js';

type Seeded = (typeof X)['northwind' | 'lumen'];

export interface Lane {
  h: Harness;
  performer: ReturnType<typeof createXApiPerformer>;
  account(who?: 'northwind' | 'lumen'): PlatformAccount;
  submit(type: ActionType, payload: Record<string, unknown>, extra?: { key?: string; who?: 'northwind' | 'lumen'; depends_on?: string }): Promise<Action>;
  run(a: Action): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** The real kernel with the X API performer against the sandbox, the accounts connected by their (sealed) tokens. */
export async function xLane(base: string, options: Partial<XApiOptions> = {}): Promise<Lane> {
  let vault: Vault | undefined;
  const performer = createXApiPerformer({ baseUrl: base, vault: { open: (...a) => vault!.open(...a) }, visibilityWindowMs: 2_000, ...options });
  const h = await createHarness({ performer, realSleep: true, platform: 'x' });
  vault = h.services.vault;
  const accounts = new Map<string, PlatformAccount>();
  for (const [who, seeded, name] of [['northwind', X.northwind, 'Northwind Bakery'], ['lumen', X.lumen, 'Lumen Studio']] as [string, Seeded, string][]) {
    const now = new Date().toISOString();
    const account = await h.services.store.accounts.create({
      platform_account_id: randomUUID(), client_id: h.client.client_id, platform: 'x',
      fingerprint: { platform_user_id: seeded.id, handle: seeded.handle, display_name: name, extra: {} },
      timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
    });
    await vault.seal(account.platform_account_id, 'access_token', seeded.token, { scopes: ['tweet.write', 'like.write', 'dm.write'] });
    accounts.set(who, account);
  }
  return {
    h, performer,
    account: (who = 'northwind') => accounts.get(who)!,
    submit: (action_type, payload, extra = {}) => h.submit({
      platform_account_id: accounts.get(extra.who ?? 'northwind')!.platform_account_id, lane: 'api', action_type, payload,
      ...(extra.key ? { idempotency_key: extra.key } : {}), ...(extra.depends_on ? { depends_on: extra.depends_on } : {}),
    }),
    run: (a) => runAction(h.services.kernel, a.action_id),
    async close() {
      await performer.close();
      await h.close();
    },
  };
}
