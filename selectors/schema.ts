import { z } from 'zod';

/** A CSS or Playwright selector string. */
const selector = z.string().min(1);
const sha = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');

/**
 * What the annex recorded of one element (`raize annex record`): the signals the commit click
 * must see at least two of (flows/element.ts) — names and texts per locale.
 */
export const ElementFingerprint = z.object({
  role: z.string().min(1),
  names: z.array(z.string()).default([]),
  testid: z.string().min(1).optional(),
  texts: z.array(z.string()).default([]),
  /** The landmarks around it, outermost first (`main>form`). */
  landmark: z.string().optional(),
});
export type ElementFingerprint = z.infer<typeof ElementFingerprint>;

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
    /**
     * Per surface, the churn-proof structure features (proofs/dom.ts `features`) of each variant
     * recorded: a page containing at least SAME_LAYOUT_CONTAINMENT of one of them is this layout's
     * surface, however a deploy re-hashed its classes, wrapped or reordered its elements.
     */
    features: z.record(z.string(), z.array(z.array(z.string().min(1)).min(1)).min(1)).default({}),
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
  /**
   * Interstitial prompts the platform puts over a page (notifications, save login, promotions,
   * cookie banners): friction to dismiss — with a proof screenshot — never drift. A prompt is a
   * visible dialog known by its accessible name; it is declined with the button of that name.
   * Every name per locale. A dialog not listed here is never clicked away.
   */
  prompts: z.array(z.object({
    kind: z.string().min(1),
    names: z.array(z.string().min(1)).min(1),
    dismiss: z.array(z.string().min(1)).min(1),
  })).default([]),
  /**
   * The spinner a page shows while it renders its content: a page that still shows it after a
   * while is reloaded (before any commit) instead of being read half-drawn.
   */
  loading: selector.optional(),
  /** Per element of `surfaces` (`composer.share`), its recorded fingerprint: every commit element must have one. */
  elements: z.record(z.string(), ElementFingerprint).default({}),
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

/**
 * One layout of a platform as a reviewed data file, `selectors/<platform>/<layout>.json`: the
 * platform's paths and cookie (the same in every layout file of the platform), the layout's
 * selectors, texts and fingerprint, and `notes` for the human reviewing it (why a selector is
 * what it is). Unknown keys are refused: a typo in a hand-edited annex is an error, not a
 * silently missing selector.
 */
export const AnnexLayoutFile = LayoutAnnex.extend({
  platform: Annex.shape.platform,
  annex_version: Annex.shape.annex_version,
  layout: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
  paths: Annex.shape.paths,
  account_cookie: Annex.shape.account_cookie,
  non_committing: Annex.shape.non_committing,
  /** For the reviewer, per key path (`surfaces.post.time`): why it is what it is. */
  notes: z.record(z.string(), z.string()).default({}),
  /** Where a recorded draft came from (`raize annex record`): nothing the lane reads. */
  recorded: z.object({ at: z.string(), origin: z.string(), by: z.string() }).optional(),
}).strict();
export type AnnexLayoutFile = z.infer<typeof AnnexLayoutFile>;

/** Fields every layout file of a platform must agree on. */
const SHARED = ['platform', 'annex_version', 'paths', 'account_cookie', 'non_committing'] as const;

/** Validates one layout file; the error names the file and the field. */
export function parseAnnexLayoutFile(data: unknown, source: string): AnnexLayoutFile {
  const parsed = AnnexLayoutFile.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`invalid selector annex ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** A platform's annex from its layout files (at least one); they must agree on the shared fields. */
export function annexFromLayoutFiles(files: readonly { source: string; data: unknown }[]): Annex {
  if (files.length === 0) throw new Error('an annex needs at least one layout file');
  const parsed = files.map((f) => ({ source: f.source, file: parseAnnexLayoutFile(f.data, f.source) }));
  const first = parsed[0]!;
  const layouts: Record<string, unknown> = {};
  for (const { source, file } of parsed) {
    for (const key of SHARED) {
      if (JSON.stringify(file[key]) !== JSON.stringify(first.file[key])) {
        throw new Error(`invalid selector annex ${source}: ${key}: differs from ${first.source} (every layout file of a platform shares it)`);
      }
    }
    if (layouts[file.layout]) throw new Error(`invalid selector annex ${source}: layout: ${file.layout} is defined twice`);
    const { platform: _p, annex_version: _v, layout, paths: _paths, account_cookie: _c, non_committing: _n, notes: _notes, recorded: _r, ...rest } = file;
    layouts[layout] = rest;
  }
  const { platform, annex_version, paths, account_cookie, non_committing } = first.file;
  return parseAnnex({ platform, annex_version, paths, ...(account_cookie ? { account_cookie } : {}), non_committing, layouts }, parsed.map((p) => p.source).join(', '));
}
