import type { ActionType } from '../../safety/index.js';
import type { Budgets } from './count.js';
import { mulberry32, SEED_ACCOUNTS } from '../../sandbox/index.js';

/** mulberry32 (the sandbox's own): the whole schedule is drawn from streams derived from --seed. */
export function rng(seed: number): () => number {
  return mulberry32(seed);
}

/** A stream seed from the run seed and a label (FNV-1a over both). */
export function derive(seed: number, ...labels: (string | number)[]): number {
  let h = 0x811c9dc5 ^ seed;
  for (const c of labels.join('/')) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

export type ChaosPlatform = 'instagram' | 'x';

/** One platform account of the run: a sandbox account connected through the login flow, owned by a client. */
export interface ChaosAccount {
  /** The product's platform_account_id. */
  id: string;
  client_id: string;
  platform: ChaosPlatform;
  /** The sandbox account (ground truth attributes effects to it). */
  user_id: string;
  handle: string;
  password: string;
}

/** One scheduled action; a delete names the publish whose post it deletes (its target is known only once that publish succeeded). */
export interface PlanItem {
  index: number;
  account: string;
  action_type: ActionType;
  payload?: Record<string, unknown>;
  delete_of?: number;
  /** A caller idempotency key: the same payload deliberately submitted again under a new key. */
  idempotency_key?: string;
  /** How this item shares its payload with an earlier one. */
  shared?: 'same_key' | 'same_client' | 'other_client' | 'new_key';
  /** The lane it runs on; absent = the browser lane. */
  lane?: 'api';
}

export interface Kill {
  /** The runner running this item is SIGKILLed `delay_ms` after it started it. */
  index: number;
  delay_ms: number;
}

export interface Plan {
  run_id: string;
  seed: number;
  accounts: ChaosAccount[];
  clients: string[];
  items: PlanItem[];
  kills: Kill[];
  /** Accounts per runner process: one runner per account at a time. */
  partitions: string[][];
  image: string;
}

/**
 * Every sandbox account that can log in on the UI (business and audience: 6 per platform,
 * 12 in all), spread over four clients so that each client has accounts on both platforms.
 */
const CLIENT_OF: Record<string, number> = {
  'northwind.bakery': 0, northwindbakery: 0, 'ana.reads': 0,
  'lumen.studio': 1, lumenstudio: 1, ana_reads: 1,
  'harbor.fitness': 2, harborfitness: 2, 'marco.trails': 2,
  'kiko.eats': 3, marcotrails: 3, kikoeats: 3,
};

// Seeded objects the actions aim at (sandbox/seed.ts; sandbox/README.md "Seeded content").
const IG_POSTS = [1, 2, 3].map((n) => ({ code: `SEED${n}aBc`, id: `1790000000000000${n}`, comment: `1800000000000000${n}` }));
const X_TWEETS = [
  ['northwindbakery', '1860000000000000001'], ['lumenstudio', '1860000000000000002'], ['harborfitness', '1860000000000000003'],
  ['ana_reads', '1860000000000000101'], ['marcotrails', '1860000000000000102'], ['kikoeats', '1860000000000000103'],
] as const;

const MIX: Record<ChaosPlatform, [ActionType, number][]> = {
  instagram: [['publish', 24], ['like', 14], ['follow', 10], ['comment_reply', 16], ['dm_send', 22], ['delete', 14]],
  x: [['publish', 30], ['like', 20], ['comment_reply', 25], ['dm_send', 25]],
};
/**
 * What the API lane can do per platform for a business account (audience accounts hold no API
 * token): Instagram has no like or follow endpoint, and replies only on the account's own posts
 * (the run replies on others'); X has no follow here (no read-only check for it).
 */
const API_ACTIONS: Record<ChaosPlatform, ReadonlySet<ActionType>> = {
  instagram: new Set(['publish', 'dm_send', 'delete']),
  x: new Set(['publish', 'comment_reply', 'like', 'dm_send']),
};
/** Share of the eligible items that run on the API lane when the run covers both lanes. */
const API_SHARE = 0.45;
const BUSINESS = new Set(SEED_ACCOUNTS.filter((a) => a.kind === 'business').map((a) => a.id));

const WORDS = ['sourdough', 'rye', 'portrait', 'harbor', 'class', 'Sunday', 'studio', 'fresh', 'trail', 'coffee', 'open', 'booking'];
const SHARE_RATE = 0.22;

export function chaosAccounts(runId: string): ChaosAccount[] {
  return SEED_ACCOUNTS.map((a) => ({
    id: `${runId}-${a.platform}-${a.handle}`, client_id: `${runId}-client-${CLIENT_OF[a.handle] ?? 0}`, platform: a.platform as ChaosPlatform,
    user_id: a.id, handle: a.handle, password: a.password,
  }));
}

/**
 * The run's schedule, drawn from the seed alone: which account does what with which payload,
 * which payloads are shared (the same payload again under the same key, on another account of
 * the same or another client, or deliberately under a new caller key), and when a runner dies.
 */
export function buildPlan(input: { runId: string; seed: number; actions: number; workers: number; image: string; lanes?: string[] }): Plan {
  const { runId, seed } = input;
  const r = rng(derive(seed, 'plan'));
  // The lane draw has its own stream: a browser-only run's schedule is the same with or without it.
  const lr = rng(derive(seed, 'lanes'));
  const withApi = input.lanes?.includes('api') === true;
  const browserToo = !input.lanes || input.lanes.includes('browser');
  const laneOf = (account: ChaosAccount, type: ActionType): 'api' | undefined => {
    if (!withApi || !BUSINESS.has(account.user_id) || !API_ACTIONS[account.platform].has(type)) return undefined;
    return !browserToo || lr() < API_SHARE ? 'api' : undefined;
  };
  // The API lane publishes media the platform fetches by URL; the browser lane uploads the file.
  const media = (lane: 'api' | undefined, i: number) => [{ source: lane === 'api' ? `https://cdn.example.com/chaos/${seed}-${i}.jpg` : input.image, kind: 'image' }];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const accounts = chaosAccounts(runId);
  const items: PlanItem[] = [];
  const undeleted = new Map<string, number[]>();
  const text = (i: number) => `${pick(WORDS)} ${pick(WORDS)} · ${pick(WORDS)} (chaos ${seed}/${i})`;
  const weighted = (platform: ChaosPlatform): ActionType => {
    const mix = MIX[platform];
    let x = r() * mix.reduce((s, [, w]) => s + w, 0);
    for (const [t, w] of mix) if ((x -= w) < 0) return t;
    return mix[0]![0];
  };
  for (let i = 0; i < input.actions; i += 1) {
    let account = pick(accounts);
    let type = weighted(account.platform);
    if (type === 'delete') {
      const mine = undeleted.get(account.id) ?? [];
      if (mine.length === 0) type = 'publish';
      else {
        const lane = laneOf(account, 'delete');
        items.push({ index: i, account: account.id, action_type: 'delete', delete_of: mine.splice(Math.floor(r() * mine.length), 1)[0]!, ...(lane ? { lane } : {}) });
        continue;
      }
    }
    const item: PlanItem = { index: i, account: account.id, action_type: type };
    const others = accounts.filter((a) => a.platform === account.platform && a.id !== account.id);
    switch (type) {
      case 'publish':
        item.payload = account.platform === 'instagram' ? { caption: text(i), media: media(undefined, i) } : { text: text(i) };
        break;
      case 'comment_reply': {
        if (account.platform === 'instagram') {
          const p = pick(IG_POSTS);
          item.payload = { target: p.code, comment_id: p.comment, text: text(i) };
        } else {
          const [handle, id] = pick(X_TWEETS);
          item.payload = { target: `/${handle}/status/${id}`, text: text(i) };
        }
        break;
      }
      case 'dm_send':
        item.payload = { recipient: pick(others).user_id, text: text(i) };
        break;
      case 'like':
        item.payload = account.platform === 'instagram' ? { target: pick(IG_POSTS).code } : { target: (([h, id]) => `/${h}/status/${id}`)(pick(X_TWEETS)) };
        break;
      case 'follow':
        item.payload = { target: pick(others).handle };
        break;
      default:
        break;
    }
    // Shared payloads: an earlier item's text again, on purpose.
    const earlier = items.filter((e) => e.action_type === type && typeof (e.payload?.text ?? e.payload?.caption) === 'string');
    if (['publish', 'comment_reply', 'dm_send'].includes(type) && earlier.length > 0 && r() < SHARE_RATE) {
      const from = pick(earlier);
      const source = accounts.find((a) => a.id === from.account)!;
      const modes: NonNullable<PlanItem['shared']>[] = ['same_key', 'same_client', 'other_client', ...(type === 'publish' ? ['new_key' as const] : [])];
      const mode = pick(modes);
      const same = accounts.filter((a) => a.platform === source.platform && a.id !== source.id && (mode === 'same_client') === (a.client_id === source.client_id));
      if (mode === 'same_key' || mode === 'new_key' || same.length > 0) {
        account = mode === 'same_key' || mode === 'new_key' ? source : pick(same);
        item.account = account.id;
        item.payload = structuredClone(from.payload);
        if (type === 'dm_send' && [account.user_id, account.handle].includes(String(item.payload!.recipient))) item.payload!.recipient = source.user_id;
        if (mode === 'new_key') item.idempotency_key = `${runId}-again-${i}`;
        item.shared = mode;
      }
    }
    const lane = item.shared === 'same_key' ? items.find((e) => e.payload === undefined ? false : e.account === item.account && JSON.stringify(e.payload) === JSON.stringify(item.payload))?.lane : laneOf(account, type);
    if (lane) item.lane = lane;
    // instagram.com opens a conversation from the person's profile (its URL names a thread, not
    // them): the browser lane's DMs go to a handle, the API lane's to an account id.
    if (type === 'dm_send' && account.platform === 'instagram' && item.payload) {
      const to = accounts.find((a) => a.platform === 'instagram' && (a.user_id === item.payload!.recipient || a.handle === item.payload!.recipient))!;
      item.payload = { ...item.payload, recipient: lane === 'api' ? to.user_id : to.handle };
    }
    // The same caption on the API lane goes with a URL the platform fetches.
    if (type === 'publish' && account.platform === 'instagram' && item.payload && item.shared !== 'same_key') item.payload = { ...item.payload, media: media(lane, i) };
    if (type === 'publish' && account.platform === 'instagram') undeleted.set(account.id, [...(undeleted.get(account.id) ?? []), i]);
    items.push(item);
  }
  const kr = rng(derive(seed, 'kills'));
  const kills: Kill[] = [];
  const count = Math.max(1, Math.round(input.actions / 40));
  const used = new Set<number>();
  while (kills.length < Math.min(count, input.actions)) {
    const index = Math.floor(kr() * input.actions);
    if (used.has(index)) continue;
    used.add(index);
    kills.push({ index, delay_ms: 150 + Math.floor(kr() * 3500) });
  }
  const partitions: string[][] = Array.from({ length: Math.max(1, input.workers) }, () => []);
  accounts.forEach((a, i) => partitions[i % partitions.length]!.push(a.id));
  return {
    run_id: runId, seed, accounts, clients: [...new Set(accounts.map((a) => a.client_id))], items,
    kills: kills.sort((a, b) => a.index - b.index), partitions, image: input.image,
  };
}

/** The sandbox ids of seeded targets, for attributing like/follow/reply effects to actions. */
export function seededPostId(platform: ChaosPlatform, target: string): string | undefined {
  if (platform === 'instagram') return IG_POSTS.find((p) => target.includes(p.code))?.id;
  return /status\/(\d+)/.exec(target)?.[1] ?? (/^\d+$/.test(target) ? target : undefined);
}

/**
 * Likes and follows the seeded world already has (sandbox/seed.ts): a like of such a post by
 * such an account finds it liked and records nothing, legitimately. As `${platform}|${actor}|kind|${target}` groups.
 */
export const SEEDED_STATE: ReadonlySet<string> = new Set([
  ...IG_POSTS.flatMap((p, i) => ['6100000000000001', '6100000000000002', '6100000000000003'].slice(0, i + 1).map((fan) => `instagram|${fan}|like|${p.id}`)),
  ...X_TWEETS.slice(0, 3).flatMap(([, id], i) => ['1500000000000000101', '1500000000000000102', '1500000000000000103'].slice(0, i + 1).map((fan) => `x|${fan}|like|${id}`)),
  ...['17841400000000001', '17841400000000002', '17841400000000003'].map((owner, i) => `instagram|610000000000000${i + 1}|follow|${owner}`),
  ...['1500000000000000001', '1500000000000000002', '1500000000000000003'].map((owner, i) => `x|150000000000000010${i + 1}|follow|${owner}`),
]);

/** Every action type the chaos run plans, per platform (the policy allows them, the budgets pace them). */
export const ALL_TYPES: Record<ChaosPlatform, readonly ActionType[]> = { instagram: MIX.instagram.map(([t]) => t), x: MIX.x.map(([t]) => t) };

/**
 * Per-account budgets of the run: every type paced, one tight publish cap to exercise long
 * deferrals. In a big plan (over 100 actions) that cap is half of the account's publishes, so
 * the deferral still happens but the run waits one hour for it, not one hour per three posts
 * (a 500-action seed with 13 of them waited past three hours).
 */
export function budgetsOf(plan: Plan): Budgets {
  const out: Budgets = {};
  for (const a of plan.accounts) {
    const publishes = plan.items.filter((i) => i.account === a.id && i.action_type === 'publish').length;
    const tight = plan.items.length > 100 ? Math.max(3, Math.ceil(publishes / 2)) : 3;
    out[a.id] = [{ action_type: '*', per_hour: 60, per_day: 120, min_spacing_ms: 0 }];
    for (const t of ALL_TYPES[a.platform]) out[a.id]!.push({ action_type: t, per_hour: a.handle === 'northwind.bakery' && t === 'publish' ? tight : 14, per_day: 28, min_spacing_ms: 1200 });
  }
  return out;
}
