import { z } from 'zod';

/** A CSS or Playwright selector string. */
const selector = z.string().min(1);
const sha = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');

/**
 * One known layout version of a platform's UI: how to find every element the flows use, the
 * identity triple (§4.3), receipts, friction surfaces, regions to mask in visual drift, and
 * the DOM-structure fingerprint that recognises this layout.
 */
export const LayoutAnnex = z.object({
  /** Recognising the layout: every marker must be present on any page of it. */
  fingerprint: z.object({
    markers: z.array(selector).min(1),
    /**
     * Per surface, the DOM-structure fingerprints (proofs/ `structure_sha256`, dynamic regions
     * folded) of every variant of it this layout is known to show: own or someone else's profile,
     * an error page, … A surface listed here that shows any other structure is drift; a surface
     * not listed learns its variants from the pixels (see runners/browser/drift-guard.ts).
     */
    structure: z.record(z.string(), z.union([sha, z.array(sha).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]))).default({}),
  }),
  /** §4.3 identity signals: at least 2 of 3 must match the stored fingerprint. */
  identity: z.object({
    handle: selector,
    avatar: selector,
    display_name: selector.optional(),
    switcher_selection: selector,
  }),
  /** Elements per surface (login, profile, composer, post, dm_inbox, dm_thread, …). */
  surfaces: z.record(z.string(), z.record(z.string(), selector)),
  /** UI receipts a flow waits for after a commit click. */
  receipts: z.record(z.string(), selector),
  /** Platform friction (§8.4): any of these visible means stop. */
  friction: z.object({ checkpoint: selector, toast: selector, error: selector.optional(), login: selector.optional() }),
  /**
   * Texts the lane matches on this layout (its own messages' sender label, a receipt's words),
   * each a list of the variants the platform shows: never hard-coded in a flow.
   */
  texts: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  /** Regions that change between visits (counts, times, avatars of others): masked in visual drift. */
  dynamic_regions: z.array(selector).default([]),
});
export type LayoutAnnex = z.infer<typeof LayoutAnnex>;

/** A platform annex (spec 000 §12.2): its known layouts and URL paths. */
export const Annex = z.object({
  platform: z.enum(['instagram', 'x']),
  /** Version of this annex's data, bumped whenever a selector changes. */
  annex_version: z.string().regex(/^\d+\.\d+\.\d+$/),
  /** URL paths relative to the platform origin, with `{handle}`, `{id}` placeholders. */
  paths: z.record(z.string(), z.string().startsWith('/')),
  layouts: z.record(z.string(), LayoutAnnex),
  /**
   * Mutating requests (POST/PUT/PATCH/DELETE) to the platform that commit nothing — reads the
   * site sends as POST, telemetry, an upload that only stages media. The runner's commit guard
   * lets these through without a `beforeCommit()`; every other mutating request needs one.
   * Empty for the sandbox platforms: each of their flows sends exactly one mutating request,
   * the commit itself.
   */
  /**
   * The cookie naming the account a request acts as (Instagram `ds_user_id`, X `twid`): its value
   * (URL-decoded, `prefix` removed) is the account's platform user id. Read right before a commit
   * leaves the browser: a commit that would act as another account never leaves.
   */
  account_cookie: z.object({ name: z.string().min(1), prefix: z.string().default('') }).optional(),
  non_committing: z.array(z.object({
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']).optional(),
    path_prefix: z.string().startsWith('/'),
    why: z.string().min(1),
  })).default([]),
});
export type Annex = z.infer<typeof Annex>;

/** Validates annex data at load time; the error names the field. */
export function parseAnnex(data: unknown, source: string): Annex {
  const parsed = Annex.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`invalid selector annex ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
