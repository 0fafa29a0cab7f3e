import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { resolveConfig } from '../config/index.js';
import { createInstagramApiPerformer, createServices, PerformerRegistry } from '../runners/index.js';
import { runAction, submitAction } from '../safety/index.js';
import { SEED_ACCOUNTS, startSandbox } from '../sandbox/index.js';
import { median, type BenchEntry } from './report.js';

const ACCOUNT = SEED_ACCOUNTS.find((a) => a.platform === 'instagram' && a.handle === 'northwind.bakery')!;
const IMAGE = 'https://cdn.example.com/bench/rye.jpg';
const POLL_MS = 50;
const VERSION = 'v21.0';

/**
 * The bare baseline: the HTTP calls the API lane makes for one publish, in the same order, with
 * nothing around them — identity, quota, container, status polls, media_publish, the post by id
 * for its permalink, and the post by id again (the lane's verification).
 */
async function barePublish(origin: string, dispatcher: Agent, caption: string): Promise<void> {
  const call = async (method: 'GET' | 'POST', path: string, params: Record<string, string>) => {
    const url = new URL(`/${VERSION}${path}`, origin);
    const body = method === 'POST' ? new URLSearchParams(params).toString() : undefined;
    if (method === 'GET') for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method, dispatcher, body,
      headers: { authorization: `Bearer ${ACCOUNT.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`bare ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await call('GET', '/me', { fields: 'id,username,user_id' });
  await call('GET', `/${ACCOUNT.id}/content_publishing_limit`, { fields: 'quota_usage,config' });
  const container = (await call('POST', `/${ACCOUNT.id}/media`, { image_url: IMAGE, caption })).id as string;
  for (;;) {
    const status = (await call('GET', `/${container}`, { fields: 'status_code,status' })).status_code;
    if (status === 'FINISHED') break;
    if (status !== 'IN_PROGRESS') throw new Error(`bare container ${String(status)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const media = (await call('POST', `/${ACCOUNT.id}/media_publish`, { creation_id: container })).id as string;
  await call('GET', `/${media}`, { fields: 'id,caption,permalink,timestamp,media_type' });
  await call('GET', `/${media}`, { fields: 'id,caption,permalink,timestamp,media_type' });
}

/**
 * The api entry: one Instagram publish through the whole API lane — kernel (policy, budgets,
 * ledger claim, write-ahead, audit chain), vault-sealed token, identity, quota hold, container,
 * status polls, media_publish, read-back, verification — against the bare script above on the
 * same sandbox. Runs alternate so a warming machine favours neither.
 */
export async function benchApi(dir: string, runs = 9): Promise<BenchEntry> {
  const config = resolveConfig({ dataDir: dir, logLevel: 'silent' }, {});
  const sandbox = await startSandbox({ port: 0, dataFile: join(dir, 'sandbox', 'world.json'), containerDelayMs: 100, igPublishQuota: 1000 });
  const performers = new PerformerRegistry();
  const services = createServices(config, { performers });
  const performer = createInstagramApiPerformer({ baseUrl: sandbox.platforms.instagram, vault: services.vault, pollMs: POLL_MS, pollCapMs: POLL_MS });
  performers.register('api', 'instagram', performer);
  const dispatcher = new Agent({ keepAliveTimeout: 4_000 });
  try {
    const now = new Date().toISOString();
    const client = await services.store.clients.create({ client_id: randomUUID(), name: 'Bench', created_at: now });
    await services.store.policies.put({ client_id: client.client_id, created_by: 'bench', autonomy: 'auto', allowed_actions: { instagram: ['publish'] } });
    const account = await services.store.accounts.create({
      platform_account_id: randomUUID(), client_id: client.client_id, platform: 'instagram',
      fingerprint: { platform_user_id: ACCOUNT.id, handle: ACCOUNT.handle, display_name: ACCOUNT.display_name, extra: {} },
      timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
    });
    await services.vault.seal(account.platform_account_id, 'access_token', ACCOUNT.token, { scopes: ['instagram_business_content_publish'] });

    const lane = async (i: number): Promise<number> => {
      const action = await submitAction(services.store, {
        client_id: client.client_id, platform_account_id: account.platform_account_id, lane: 'api', action_type: 'publish',
        payload: { caption: `API bench ${i} ${randomUUID()}`, media: [{ source: IMAGE, kind: 'image' }] }, created_by: 'bench',
      });
      const start = performance.now();
      const outcome = await runAction(services.kernel, action.action_id);
      if (outcome.status !== 'confirmed_success') throw new Error(`api bench action ended ${outcome.status}: ${outcome.reason}`);
      return performance.now() - start;
    };
    const bare = async (i: number): Promise<number> => {
      const start = performance.now();
      await barePublish(sandbox.platforms.instagram, dispatcher, `Bare bench ${i} ${randomUUID()}`);
      return performance.now() - start;
    };
    // One warm-up each (module loading, first connections, SQLite pages).
    await lane(-1);
    await bare(-1);
    const laneMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      laneMs.push(await lane(i));
      bareMs.push(await bare(i));
    }
    const publish = median(laneMs);
    const baseline = median(bareMs);
    return {
      name: 'api',
      figures: { publish_ms: round(publish), bare_ms: round(baseline), ratio: round(publish / baseline, 3) },
      notes: [
        `median of ${runs} alternating runs; sandbox containers finish after 100 ms, both sides poll every ${POLL_MS} ms (target ratio ≤ 1.3)`,
        'bare: the same Graph calls in the same order (me, quota, container, polls, media_publish, media ×2) with fetch and nothing else',
      ],
    };
  } finally {
    await performer.close();
    await dispatcher.close();
    await services.close();
    await sandbox.close();
  }
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
