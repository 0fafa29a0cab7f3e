import { z } from 'zod';
import { FiredLog, NOTED_KINDS } from './fired.js';
import { deriveSeed, mulberry32, type Rng } from './rng.js';
import { EFFECT_KINDS, LANES, PLATFORMS, type EffectKind, type Lane, type Platform } from './types.js';

/** API and browser faults (both lanes). */
const BOTH_LANES = ['5xx_before_commit', 'error_after_commit', 'ack_lost', 'rate_limit', 'latency', 'phantom_success', 'phantom_failure', 'revert'] as const;
/** API-lane only. */
const API_ONLY = ['container_stuck', 'token_expired'] as const;
/** Browser friction: UI lane only. */
const UI_ONLY = ['checkpoint', 'action_blocked', 'session_expired', 'wrong_account', 'receipt_missing', 'share_stays_enabled', 'account_switch'] as const;

export const FAULT_KINDS = [...BOTH_LANES, ...API_ONLY, ...UI_ONLY] as const;
/** Meta's throttling error codes a Graph rate_limit fault can answer with (sandbox/instagram/graph-errors.ts). */
export const GRAPH_RATE_LIMIT_CODES = [4, 17, 32, 613, 80002] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Where a request went, for rules placed after K matching requests. */
export const REQUEST_SURFACES = ['api', 'home', 'login', 'logout', 'switchAccount', 'challenge', 'compose', 'inbox', 'thread', 'post', 'profile'] as const;
export type RequestSurface = (typeof REQUEST_SURFACES)[number];

const matchSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'DELETE']).optional(),
    /** The request path (no query) starts with this. */
    path_prefix: z.string().startsWith('/').optional(),
    surface: z.enum(REQUEST_SURFACES).optional(),
  })
  .strict();
export type RequestMatch = z.infer<typeof matchSchema>;

export const faultInputSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    platform: z.enum(PLATFORMS),
    /** Account id or handle; absent = every account of the platform. */
    account: z.string().min(1).optional(),
    lane: z.enum(LANES).optional(),
    /** Only requests performing this side effect; absent = see README for each kind's default scope. */
    action: z.enum(EFFECT_KINDS).optional(),
    rate: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).max(1_000_000).optional(),
    /** latency: added milliseconds. */
    ms: z.number().int().min(0).max(120_000).optional(),
    /** rate_limit: seconds announced in Retry-After / x-rate-limit-reset (Graph: estimated_time_to_regain_access, in minutes rounded up). */
    retry_after_s: z.number().int().min(0).max(86_400).optional(),
    /** rate_limit on the Instagram API: Meta's error code (4 app, 17 user, 32 page, 613 custom, 80002 Instagram BUC); default 4. */
    graph_code: z.literal(GRAPH_RATE_LIMIT_CODES).optional(),
    /** Seed of this rule's random stream; default derived from the sandbox seed and the rule number. */
    seed: z.number().int().optional(),
    /** The first `after` matching requests never fire; counting and rates start with request after+1. */
    after: z.number().int().min(0).max(1_000_000).optional(),
    /** Only requests with this method / path prefix / surface match (with `after`: the requests counted). */
    match: matchSchema.optional(),
    /** revert: random extra delay in [0, jitter_ms] added to `ms`. */
    jitter_ms: z.number().int().min(0).max(3_600_000).optional(),
    /** account_switch: the account (id or handle) the session switches to; default the next account of the same login. */
    to: z.string().min(1).optional(),
    /**
     * account_switch: a mutating request it fires on acts as the new account too, although its
     * cookies name the old one (harder than the real platforms, which act as the account a
     * request's cookies name). Default false: the commit acts as its cookies say, and the switch
     * lands for every later request.
     */
    in_flight: z.boolean().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.rate !== undefined && v.count !== undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give either rate or count, not both' });
    if (v.kind === 'latency' && v.ms === undefined) ctx.addIssue({ code: 'custom', path: ['ms'], message: 'latency needs ms' });
    if (v.to !== undefined && v.kind !== 'account_switch') ctx.addIssue({ code: 'custom', path: ['to'], message: 'only account_switch takes to' });
    if (v.in_flight !== undefined && v.kind !== 'account_switch') ctx.addIssue({ code: 'custom', path: ['in_flight'], message: 'only account_switch takes in_flight' });
    if (v.jitter_ms !== undefined && v.kind !== 'revert') ctx.addIssue({ code: 'custom', path: ['jitter_ms'], message: 'only revert takes jitter_ms' });
    if (v.graph_code !== undefined && (v.kind !== 'rate_limit' || v.platform !== 'instagram' || v.lane === 'ui'))
      ctx.addIssue({ code: 'custom', path: ['graph_code'], message: 'only an Instagram API rate_limit takes graph_code' });
    const only = (API_ONLY as readonly string[]).includes(v.kind) ? 'api' : (UI_ONLY as readonly string[]).includes(v.kind) ? 'ui' : undefined;
    if (only && v.lane && v.lane !== only) ctx.addIssue({ code: 'custom', path: ['lane'], message: `${v.kind} exists only on the ${only} lane` });
  });
export type FaultInput = z.infer<typeof faultInputSchema>;

export interface FaultRule {
  id: string;
  kind: FaultKind;
  platform: Platform;
  account?: string;
  lane?: Lane;
  action?: EffectKind;
  rate?: number;
  /** Count rules: firings left; 0 = exhausted. */
  remaining?: number;
  ms?: number;
  retry_after_s?: number;
  graph_code?: (typeof GRAPH_RATE_LIMIT_CODES)[number];
  jitter_ms?: number;
  to?: string;
  in_flight?: boolean;
  after?: number;
  match?: RequestMatch;
  seed: number;
  /** Requests that matched the rule's scope (including the first `after`). */
  matched: number;
  seen: number;
  fired: number;
  /** One character per matching request, '1' fired and '0' not (last 1000). */
  decisions: string;
}

/** Where a request is and what it does; faults match against it. */
export interface FaultScope {
  platform: Platform;
  lane: Lane;
  account?: string;
  action?: EffectKind;
  /** The HTTP request, for `match` (absent: rules with `match` never match). */
  request?: { method: string; path: string; surface: RequestSurface };
}

/** Every kind the fired counter reports: the rule kinds and the noted ones. */
export const FIRED_KINDS = [...FAULT_KINDS, ...NOTED_KINDS] as const;

function matches(m: RequestMatch, r: FaultScope['request']): boolean {
  if (!r) return false;
  return (!m.method || m.method === r.method) && (!m.path_prefix || r.path.startsWith(m.path_prefix)) && (!m.surface || m.surface === r.surface);
}

/** The fault table: rules by rate (seeded RNG per rule, so runs repeat) or by count (next N). */
export class Faults {
  private rules: FaultRule[] = [];
  private rngs = new Map<string, Rng>();
  private serial = 0;
  /** How many times each fault kind fired (GET /__sandbox/faults/fired). */
  readonly fired = new FiredLog(FIRED_KINDS);

  constructor(readonly sandboxSeed: number) {}

  /** Adds a rule; `account` must already be resolved to an account id. */
  add(input: FaultInput): FaultRule {
    this.serial += 1;
    const seed = input.seed ?? deriveSeed(this.sandboxSeed, this.serial);
    const rule: FaultRule = {
      id: `fault_${this.serial}`,
      kind: input.kind,
      platform: input.platform,
      account: input.account,
      lane: input.lane,
      action: input.action,
      rate: input.rate,
      remaining: input.rate === undefined ? (input.count ?? 1) : undefined,
      ms: input.ms,
      retry_after_s: input.retry_after_s,
      ...(input.graph_code !== undefined ? { graph_code: input.graph_code } : {}),
      ...(input.jitter_ms !== undefined ? { jitter_ms: input.jitter_ms } : {}),
      ...(input.to !== undefined ? { to: input.to } : {}),
      ...(input.in_flight !== undefined ? { in_flight: input.in_flight } : {}),
      ...(input.after !== undefined ? { after: input.after } : {}),
      ...(input.match !== undefined ? { match: input.match } : {}),
      seed,
      matched: 0,
      seen: 0,
      fired: 0,
      decisions: '',
    };
    this.rules.push(rule);
    this.rngs.set(rule.id, mulberry32(seed));
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Removes rules matching the filter (all when empty); returns how many. */
  clear(filter: { id?: string; platform?: Platform; kind?: FaultKind } = {}): number {
    const before = this.rules.length;
    this.rules = this.rules.filter(
      (r) => !((!filter.id || r.id === filter.id) && (!filter.platform || r.platform === filter.platform) && (!filter.kind || r.kind === filter.kind)),
    );
    for (const id of [...this.rngs.keys()]) if (!this.rules.some((r) => r.id === id)) this.rngs.delete(id);
    return before - this.rules.length;
  }

  reset(): void {
    this.rules = [];
    this.rngs.clear();
    this.serial = 0;
    this.fired.reset();
  }

  /** Returns the first matching rule that fires for this request, consuming a count or a random draw. */
  take(kind: FaultKind, scope: FaultScope): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.kind !== kind || rule.platform !== scope.platform) continue;
      if (rule.lane && rule.lane !== scope.lane) continue;
      if (rule.account && rule.account !== scope.account) continue;
      if (rule.action && rule.action !== scope.action) continue;
      if (rule.match && !matches(rule.match, scope.request)) continue;
      rule.matched += 1;
      if (rule.after !== undefined && rule.matched <= rule.after) {
        rule.seen += 1;
        rule.decisions = (rule.decisions + '0').slice(-1000);
        continue;
      }
      let fire: boolean;
      if (rule.rate !== undefined) {
        fire = this.rngs.get(rule.id)!() < rule.rate;
      } else {
        if (!rule.remaining) continue;
        fire = true;
        rule.remaining -= 1;
      }
      rule.seen += 1;
      rule.decisions = (rule.decisions + (fire ? '1' : '0')).slice(-1000);
      if (fire) {
        rule.fired += 1;
        this.fired.record(rule.kind, { rule_id: rule.id, platform: scope.platform, account: scope.account, lane: scope.lane, action: scope.action, method: scope.request?.method, path: scope.request?.path });
        return rule;
      }
    }
    return undefined;
  }
}
