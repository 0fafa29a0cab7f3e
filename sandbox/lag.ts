import { z } from 'zod';
import type { FiredLog } from './fired.js';
import { deriveSeed, mulberry32 } from './rng.js';

/**
 * Read-after-write lag: a new object shows on each surface only after its own seeded delay,
 * as on platforms whose reads come from eventually consistent replicas and caches.
 * Listing surfaces first, then the by-id ones (the object's own URL, GET by id).
 */
export const LIST_SURFACES = ['grid', 'api_list', 'comments', 'likes', 'follows', 'inbox', 'thread'] as const;
export const BY_ID_SURFACES = ['permalink', 'api_get'] as const;
export const LAG_SURFACES = [...LIST_SURFACES, ...BY_ID_SURFACES] as const;
export type LagSurface = (typeof LAG_SURFACES)[number];

const windowSchema = z
  .object({ baseMs: z.number().int().min(0).max(600_000), jitterMs: z.number().int().min(0).max(600_000).default(0) })
  .strict();
export type LagWindow = z.infer<typeof windowSchema>;

const w = windowSchema.optional();
export const lagSchema = z
  .object({
    /** true: an object is visible by id no later than on its first listing; false: no earlier than on its last. */
    byIdFirst: z.boolean().default(true),
    /** Window of every listing surface not named. */
    lists: w,
    grid: w,
    api_list: w,
    comments: w,
    likes: w,
    follows: w,
    inbox: w,
    thread: w,
    permalink: w,
    api_get: w,
    /** Seed of the delays; default the sandbox seed. */
    seed: z.number().int().optional(),
  })
  .strict();
export type LagConfig = z.output<typeof lagSchema>;
export type LagInput = z.input<typeof lagSchema>;

/** What an object is decides the surfaces it shows on. */
export type LaggedKind = 'post' | 'reply_post' | 'comment' | 'message' | 'like' | 'follow';
const LISTS: Record<LaggedKind, LagSurface[]> = {
  post: ['grid', 'api_list'],
  reply_post: ['comments', 'api_list'],
  comment: ['comments'],
  message: ['inbox', 'thread'],
  like: ['likes'],
  follow: ['follows'],
};
const BY_ID: Record<LaggedKind, LagSurface[]> = { post: ['permalink', 'api_get'], reply_post: ['permalink', 'api_get'], comment: ['api_get'], message: [], like: [], follow: [] };

export interface LagEntry {
  key: string;
  kind: LaggedKind;
  applied_at: string;
  /** Per surface: ms after applied_at, and the moment it becomes visible. */
  delay_ms: Partial<Record<LagSurface, number>>;
  visible_at: Partial<Record<LagSurface, string>>;
}

export const LAG_OFF: LagConfig = { byIdFirst: true };

/** Object keys: one per lagged object. */
export const lagKey = {
  post: (id: string) => `post:${id}`,
  comment: (id: string) => `comment:${id}`,
  message: (id: string) => `message:${id}`,
  like: (accountId: string, postId: string) => `like:${accountId}:${postId}`,
  follow: (followerId: string, followeeId: string) => `follow:${followerId}:${followeeId}`,
  /** The undo of a like or follow (by its `at`: a like undone twice is two undos). */
  unlike: (accountId: string, postId: string, at: string) => `unlike:${accountId}:${postId}:${at}`,
  unfollow: (followerId: string, followeeId: string, at: string) => `unfollow:${followerId}:${followeeId}:${at}`,
};

export class Lag {
  private objects = new Map<string, LagEntry & { at: Partial<Record<LagSurface, number>> }>();

  constructor(private readonly sandboxSeed: number, private current: LagConfig, private readonly fired?: FiredLog) {}

  get config(): LagConfig {
    return this.current;
  }

  /** New settings apply to objects created from now on; scheduled ones keep their times. */
  configure(config: LagConfig): void {
    this.current = config;
  }

  get enabled(): boolean {
    return LAG_SURFACES.some((s) => this.window(s));
  }

  private window(surface: LagSurface): LagWindow | undefined {
    const w = this.current[surface] ?? ((LIST_SURFACES as readonly string[]).includes(surface) ? this.current.lists : undefined);
    return w && (w.baseMs > 0 || w.jitterMs > 0) ? w : undefined;
  }

  /** Seeded per object and surface, so the schedule depends on the seed and the object, not on timing. */
  private draw(surface: LagSurface, key: string): number {
    const w = this.window(surface);
    if (!w) return 0;
    const rng = mulberry32(deriveSeed(this.current.seed ?? this.sandboxSeed, 'lag', surface, key));
    return w.baseMs + Math.floor(rng() * (w.jitterMs + 1));
  }

  /** Schedules a new object's visibility; a no-op while lag is off. */
  register(key: string, kind: LaggedKind, appliedAt = Date.now()): void {
    if (!this.enabled) return;
    const delay: Partial<Record<LagSurface, number>> = {};
    const lists = LISTS[kind].map((s) => (delay[s] = this.draw(s, key)));
    for (const s of BY_ID[kind]) {
      const own = this.draw(s, key);
      delay[s] = lists.length === 0 ? own : this.current.byIdFirst ? Math.min(own, ...lists) : Math.max(own, ...lists);
    }
    const at: Partial<Record<LagSurface, number>> = {};
    const visible_at: Partial<Record<LagSurface, string>> = {};
    for (const [s, ms] of Object.entries(delay) as [LagSurface, number][]) {
      at[s] = appliedAt + ms;
      visible_at[s] = new Date(appliedAt + ms).toISOString();
    }
    this.objects.set(key, { key, kind, applied_at: new Date(appliedAt).toISOString(), delay_ms: delay, visible_at, at });
    if (Object.values(delay).some((ms) => ms > 0)) this.fired?.record('lag', { ref: key });
  }

  /** Whether the object shows on this surface now; objects never registered (seeded, older) always do. */
  visible(surface: LagSurface, key: string, now = Date.now()): boolean {
    const at = this.objects.get(key)?.at[surface];
    return at === undefined || now >= at;
  }

  schedule(): LagEntry[] {
    return [...this.objects.values()].map(({ at: _at, ...entry }) => entry);
  }

  reset(): void {
    this.objects.clear();
  }
}
