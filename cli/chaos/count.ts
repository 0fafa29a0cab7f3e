import { createHash } from 'node:crypto';
import type { Action } from '../../safety/index.js';
import type { Store } from '../../store/index.js';
import { succeeded } from '../../safety/index.js';
import { SEEDED_STATE, seededPostId, type ChaosAccount } from './schedule.js';

/** One ground-truth effect as GET /__sandbox/effects lists it. */
export interface Effect {
  seq: number;
  platform: string;
  account: { id: string; handle: string };
  kind: string;
  object_id: string;
  target_id?: string;
  payload_sha256: string;
  reverted?: boolean;
}

export interface Counts {
  duplicates: number;
  lost: number;
  unexpected: number;
  wrong_account: number;
  reverted: number;
  /** Effects explained only by actions still unknown (they count in unknown_unresolved). */
  unknown_effects: number;
  /** Group keys of every non-zero finding, for the investigation. */
  findings: { kind: 'duplicate' | 'lost' | 'unexpected' | 'wrong_account'; group: string; effects: number[]; actions: string[] }[];
  /** Succeeded actions per group that has reverted effects (the final verification pass looks at them). */
  revertedGroups: Map<string, { reverted: number; actions: string[] }>;
  /** Live (not reverted) effects the ground truth has in each action's group. */
  groupEffects: Map<string, number>;
}

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const IDEMPOTENT = new Set(['like', 'follow', 'delete']);

/**
 * Attributes effects to actions by what the ground truth shows: platform, account, kind and
 * content (payload sha256 plus target), i.e. a "group". Within a group, every idempotency key
 * that succeeded by its own attempt explains one effect; keys that succeeded by finding an
 * existing object (pre-check, ledger duplicate) explain none but need one to exist; keys still
 * `unknown` may explain one. Likes, follows and deletes are idempotent on the platform (a
 * second one records nothing), so their group needs one effect, whatever the number of keys.
 * Reverted effects count as neither lost nor duplicate.
 */
export function countEffects(actions: Action[], accounts: ChaosAccount[], effects: Effect[]): Counts {
  const accountOf = new Map(accounts.map((a) => [a.id, a]));
  const byId = new Map(actions.map((a) => [a.action_id, a]));
  const publishEffect = new Map(effects.filter((e) => e.kind === 'publish').map((e) => [e.object_id, e]));
  const handleToId = new Map(accounts.map((a) => [`${a.platform}|${a.handle}`, a.user_id]));

  const content = (a: Action): string | undefined => {
    const acc = accountOf.get(a.platform_account_id)!;
    const p = a.payload as Record<string, string>;
    switch (a.action_type) {
      case 'publish': return `publish|${sha(p.caption ?? p.text ?? '')}`;
      case 'comment_reply': return `reply|${acc.platform === 'instagram' ? p.comment_id : seededPostId('x', p.target ?? '')}|${sha(p.text ?? '')}`;
      case 'dm_send': return `dm_send|${handleToId.get(`${acc.platform}|${p.recipient}`) ?? p.recipient}|${sha(p.text ?? '')}`;
      case 'like': return `like|${seededPostId(acc.platform, p.target ?? '')}`;
      case 'follow': return `follow|${handleToId.get(`${acc.platform}|${p.target}`) ?? p.target}`;
      case 'delete': {
        const publish = a.depends_on ? byId.get(a.depends_on) : undefined;
        return publish ? `delete|${groupOf(publish)}` : undefined;
      }
      default: return undefined;
    }
  };
  const groupOf = (a: Action) => `${a.platform}|${accountOf.get(a.platform_account_id)!.user_id}|${content(a)}`;
  const effectGroup = (e: Effect): string => {
    const base = `${e.platform}|${e.account.id}`;
    switch (e.kind) {
      case 'publish': return `${base}|publish|${e.payload_sha256}`;
      case 'reply': case 'comment': case 'dm_send': return `${base}|${e.kind}|${e.target_id}|${e.payload_sha256}`;
      case 'like': return `${base}|like|${e.object_id}`;
      case 'follow': return `${base}|follow|${e.target_id}`;
      case 'delete': {
        const p = publishEffect.get(e.target_id ?? '');
        return p ? `${base}|delete|${effectGroup(p)}` : `${base}|delete|${e.target_id}`;
      }
      default: return `${base}|${e.kind}|${e.object_id}`;
    }
  };

  const groups = new Map<string, { actions: Action[]; effects: Effect[] }>();
  const at = (g: string) => groups.get(g) ?? groups.set(g, { actions: [], effects: [] }).get(g)!;
  for (const a of actions) if (accountOf.has(a.platform_account_id)) at(groupOf(a)).actions.push(a);
  for (const e of effects) at(effectGroup(e)).effects.push(e);
  // The same content on another account: where a wrong-account effect would have come from.
  const withoutAccount = (g: string) => g.split('|').filter((_, i) => i !== 1).join('|');
  const actionContents = new Set([...groups].filter(([, v]) => v.actions.length > 0).map(([g]) => withoutAccount(g)));

  const counts: Counts = { duplicates: 0, lost: 0, unexpected: 0, wrong_account: 0, reverted: 0, unknown_effects: 0, findings: [], revertedGroups: new Map(), groupEffects: new Map() };
  for (const [group, { actions: as, effects: es }] of groups) {
    const note = (kind: Counts['findings'][number]['kind']) => counts.findings.push({ kind, group, effects: es.map((e) => e.seq), actions: as.map((a) => a.action_id) });
    for (const a of as) counts.groupEffects.set(a.action_id, es.filter((e) => !e.reverted).length);
    const reverted = es.filter((e) => e.reverted).length;
    const live = es.length - reverted;
    counts.reverted += reverted;
    if (as.length === 0) {
      if (es.length === 0) continue;
      if (actionContents.has(withoutAccount(group))) { counts.wrong_account += live + reverted; note('wrong_account'); }
      else { counts.unexpected += live; if (live > 0) note('unexpected'); }
      continue;
    }
    const keys = new Map<string, 'own' | 'ref' | 'unknown' | 'none'>();
    const rank = { own: 3, ref: 2, unknown: 1, none: 0 } as const;
    for (const a of as) {
      const status = succeeded(a) ? (a.attempt_count > 0 && !a.result.duplicate_of ? 'own' : 'ref') : a.state === 'unknown' ? 'unknown' : 'none';
      const was = keys.get(a.idempotency_key) ?? 'none';
      if (rank[status] > rank[was]) keys.set(a.idempotency_key, status);
      else keys.set(a.idempotency_key, was);
    }
    const own = [...keys.values()].filter((s) => s === 'own').length;
    const ref = [...keys.values()].filter((s) => s === 'ref').length;
    const unknown = [...keys.values()].filter((s) => s === 'unknown').length;
    const kind = as[0]!.action_type === 'comment_reply' ? 'reply' : as[0]!.action_type;
    const idempotent = IDEMPOTENT.has(kind);
    if (reverted > 0) counts.revertedGroups.set(group, { reverted, actions: as.filter((a) => succeeded(a)).map((a) => a.action_id) });
    // A like or follow the seeded world already had: found by the pre-check, nothing to record.
    if (own + ref > 0 && es.length === 0 && !(SEEDED_STATE.has(group) && own === 0)) { counts.lost += own + ref; note('lost'); continue; }
    if (!idempotent && own > es.length) { counts.lost += own - es.length; note('lost'); }
    const capacity = idempotent ? (own + ref > 0 ? Math.max(1, own) : 0) : own;
    const beyond = Math.max(0, live - capacity);
    const byUnknown = Math.min(beyond, unknown);
    counts.unknown_effects += byUnknown;
    const extra = beyond - byUnknown;
    if (extra > 0) {
      if (own + ref > 0) { counts.duplicates += extra; note('duplicate'); }
      else { counts.unexpected += extra; note('unexpected'); }
    }
  }
  return counts;
}

export interface Budgets {
  [accountId: string]: { action_type: string; per_hour: number | null; per_day: number | null; min_spacing_ms: number }[];
}

/**
 * Budget uses read back from the audit log: an action that reached `attempted` used one slot,
 * reserved at its `preflight_passed` event. Every sliding hour and day, and the spacing between
 * consecutive uses, is checked against every configured budget of its account.
 */
export async function budgetViolations(store: Store, actions: Action[], budgets: Budgets): Promise<{ violations: number; uses: number; details: string[] }> {
  const uses: { account: string; type: string; t: number }[] = [];
  for (const a of actions) {
    const events = (await store.audit.forAction(a.action_id)).map((r) => r.event);
    const attempted = events.findIndex((e) => e.transition.to === 'attempted');
    if (attempted < 0) continue;
    const reserved = events.slice(0, attempted).filter((e) => e.transition.to === 'preflight_passed').at(-1);
    if (reserved) uses.push({ account: a.platform_account_id, type: a.action_type, t: Date.parse(reserved.timestamp) });
  }
  let violations = 0;
  const details: string[] = [];
  for (const [account, rules] of Object.entries(budgets)) {
    for (const rule of rules) {
      const ts = uses.filter((u) => u.account === account && (rule.action_type === '*' || u.type === rule.action_type)).map((u) => u.t).sort((a, b) => a - b);
      ts.forEach((t, i) => {
        const within = (ms: number) => ts.filter((s) => s > t - ms && s <= t).length;
        if (rule.per_hour !== null && within(3_600_000) > rule.per_hour) { violations += 1; details.push(`${account} ${rule.action_type} per_hour at ${new Date(t).toISOString()}`); }
        if (rule.per_day !== null && within(86_400_000) > rule.per_day) { violations += 1; details.push(`${account} ${rule.action_type} per_day at ${new Date(t).toISOString()}`); }
        if (i > 0 && t - ts[i - 1]! < rule.min_spacing_ms) { violations += 1; details.push(`${account} ${rule.action_type} spacing ${t - ts[i - 1]!} ms at ${new Date(t).toISOString()}`); }
      });
    }
  }
  return { violations, uses: uses.length, details };
}

/**
 * Unknowns at the end, split: `escalated` are those absence could not be proven for by design —
 * the ground truth has no effect for them, and every look the lane could take was a content
 * match (a publish, reply or DM without a receipt id: the browser lane has no precise look for
 * it). Everything else still unknown is `unresolved`: an effect the product failed to see, or
 * looks that stayed inconclusive.
 */
export async function splitUnknowns(store: Store, unknown: Action[], counts: Counts): Promise<{ unresolved: Action[]; escalated: Action[] }> {
  const out = { unresolved: [] as Action[], escalated: [] as Action[] };
  for (const a of unknown) {
    // The looks after the last attempt: what the lane could see of that attempt's effect.
    const reasons = (await store.audit.forAction(a.action_id)).map((r) => r.event.reason ?? '');
    const last = reasons.reduce((at, r, i) => (/^(attempt 1$|retry: attempt \d+)/.test(r) ? i : at), -1);
    // A look not taken (paused while the account showed another account or a login) saw nothing either way.
    const looks = reasons.slice(last + 1).filter((r) => /^(look|verification try) \d+:/.test(r) && !/^(look|verification try) \d+: not taken\b/.test(r));
    const contentOnly = looks.length > 0 && looks.every((r) => r.includes('content match only') || r.includes('inconclusive')) && looks.some((r) => r.includes('content match only'));
    const byDesign = a.escalated_at !== null && (counts.groupEffects.get(a.action_id) ?? 0) === 0 && contentOnly && !looks.some((r) => /[1-9]\d* of \d+ precise/.test(r));
    (byDesign ? out.escalated : out.unresolved).push(a);
  }
  return out;
}
