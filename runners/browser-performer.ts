import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  confirmLookViewer, createFlowContext, gotoUrl, probePage, readOwnComments, runCheck, runFlow, urlOf,
  type Flow, type FlowContext, type WebComment, type WebCommentReadOptions,
} from '../flows/index.js';
import { cdpSessionOf, startTrace, stopTrace, type ProofStore, type StepListener } from '../proofs/index.js';
import {
  AuthExpiredError, DriftError, errorCode, IdentityMismatchError, OutcomeUnknownError, PlatformRefusalError, UnguardedCommitError,
  type AbsenceRule, type Action, type ActionContext, type PlatformAccount, type ActionType, type AttemptReceipt, type IdentityProof, type Performer, type Platform,
  type Precheck, type ProofRef, type Verification,
} from '../safety/index.js';
import type { Annex, LayoutAnnex } from '../selectors/index.js';
import type { BrowserProvider } from './browser/provider.js';
import type { SessionStore } from './browser/sessions.js';
import { SurfaceDriftError, type DriftGuard } from './browser/drift-guard.js';
import { CommitGuard } from './browser/commit-guard.js';

/** Records a Playwright trace of an episode and stores it as a proof. */
export interface TraceRecorder {
  start(context: BrowserContext, title: string): Promise<void>;
  stop(context: BrowserContext, name: { episode_id: string; action_id: string; phase: string }): Promise<ProofRef>;
}

/** Traces as zips under `<dataDir>/traces/<episode>/<action>-<phase>-<n>.zip` (0600 like every proof). */
export function fileTraceRecorder(dataDir: string, options: { screenshots?: boolean } = {}): TraceRecorder {
  const root = resolve(dataDir);
  let n = 0;
  return {
    async start(context, title) {
      await startTrace(context, { title, ...options });
    },
    async stop(context, name) {
      const dir = join(root, 'traces', safe(name.episode_id));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `${safe(name.action_id)}-${safe(name.phase)}-${(n += 1)}.zip`);
      await context.tracing.stop({ path });
      const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
      return { kind: 'trace', ref: relative(root, path), sha256 };
    },
  };
}

/**
 * Traces through proofs/: content-addressed zips in the proof store, opened with
 * `npx playwright show-trace`. `screenshots` adds the screencast (config `traceScreenshots`).
 */
export function proofStoreTraceRecorder(store: ProofStore, options: { screenshots?: boolean } = {}): TraceRecorder {
  return {
    start: (context, title) => startTrace(context, { title, ...options }),
    stop: async (context) => (await stopTrace(context, store)).trace,
  };
}

export interface BrowserPerformerOptions {
  provider: BrowserProvider;
  sessions: SessionStore;
  /** Selector annexes per platform (selectors/). */
  annexes: Partial<Record<Platform, Annex>>;
  /** Flow modules per platform and action type (flows/<platform>/). */
  flows: Partial<Record<Platform, Partial<Record<ActionType, Flow>>>>;
  /** Proof capture at step boundaries (proofs/). */
  listeners: StepListener[];
  /** Origin of each platform's web UI (the real host or the sandbox). */
  origins: Partial<Record<Platform, string>>;
  /** Trace recording, one per episode; `false` turns it off. @default fileTraceRecorder(dataDir) when dataDir is given */
  traces?: TraceRecorder | false;
  dataDir?: string;
  /** Visual drift: anchor baselines, drift records, the platform-wide stop. Off when absent. */
  drift?: DriftGuard;
  /** Upper bound of one Playwright wait inside a step. @default 15000 */
  stepTimeoutMs?: number;
  /** A context left open this long after its last call is closed. @default 60000 */
  idleMs?: number;
  /**
   * Tests and rehearsals only: the request guard off (`false`). Production always guards: no
   * mutating request reaches the platform without a passed `beforeCommit()`. @default true
   */
  commitGuard?: boolean;
}

export interface BrowserPerformer extends Performer {
  /**
   * The absence rule of the action type's flow (DESIGN.md "Absence is proven"). With `platform`,
   * that platform's; without, the one platform this performer has a flow of that type for, or,
   * when it serves several, the strictest of their rules (longest window, most looks, every
   * surface): the kernel asks by action type only.
   */
  absenceRule(actionType: ActionType, platform?: Platform): AbsenceRule | undefined;
  /** Closes the episode's context once its action is settled (the kernel has returned). */
  dispose(actionId: string): Promise<void>;
  /** Closes every open context. */
  close(): Promise<void>;
  /** Number of open episode contexts. */
  readonly openContexts: number;
  /**
   * The scheduled drift check (issue 10): opens the account's anchor surface read-only, as an
   * episode's identity step does — the drift guard compares it with its baseline and records
   * drift (a layout matching no known version blocks the platform's side effects) — and reads
   * the identity signals. Nothing is committed: the request guard refuses any mutating request.
   */
  checkAnchors(account: PlatformAccount): Promise<AnchorCheck>;
  /**
   * The engage loop's comment poll on the browser lane (an Instagram client without API access):
   * a read-only episode that confirms the account's identity, then reads the comments on its
   * newest posts as the web shows them (flows/instagram/comments-read.ts). Nothing is committed.
   */
  readComments(account: PlatformAccount, read: WebCommentReadOptions & { signal?: AbortSignal }): Promise<WebComment[]>;
}

export interface AnchorCheck {
  platform: Platform;
  platform_account_id: string;
  /** Whether the anchor surface was read and matched a known layout without blocking drift. */
  ok: boolean;
  identity_ok?: boolean;
  /** The error's code when the check could not be made or found drift (`drift`, `checkpoint`, …). */
  code?: string;
  proofs: ProofRef[];
}

interface EpisodeBrowser {
  context: BrowserContext;
  page: Page;
  layout?: { version: string; annex: LayoutAnnex };
  idle?: NodeJS.Timeout;
  /** Whether the episode's trace is recording. */
  tracing?: boolean;
  /** The episode's request guard: no mutating request to the platform without a passed beforeCommit(). */
  guard?: CommitGuard;
}

const SIGNALS = ['handle', 'avatar_or_name', 'switcher'] as const;
const bare = (s: string | null | undefined) => (s ?? '').trim().replace(/^@/, '').toLowerCase();

/**
 * The browser lane as the kernel's Performer, for any platform whose annex, flows and origin
 * are passed in. One context per action (episode), reused across identity, pre-check, attempt
 * and verification, with the account's stored session; one trace per episode; proofs at every step.
 */
export function createBrowserPerformer(options: BrowserPerformerOptions): BrowserPerformer {
  const open = new Map<string, Promise<EpisodeBrowser>>();
  const traces = options.traces === false ? undefined : options.traces ?? (options.dataDir ? fileTraceRecorder(options.dataDir) : undefined);
  const stepTimeoutMs = options.stepTimeoutMs ?? 15_000;
  // The drift guard judges every step boundary's capture, beside the proof listeners.
  const listeners = options.drift ? [...options.listeners, options.drift.stepListener(options.annexes)] : options.listeners;
  const run = { listeners };
  const idleMs = options.idleMs ?? 60_000;

  const platformOf = (ctx: ActionContext) => {
    const platform = ctx.action.platform;
    const annex = options.annexes[platform];
    const origin = options.origins[platform];
    if (!annex || !origin) throw new PlatformRefusalError(`the browser lane has no annex or origin for ${platform}`);
    return { annex, origin };
  };

  const flowOf = (ctx: ActionContext): Flow => {
    const flow = options.flows[ctx.action.platform]?.[ctx.action.action_type];
    if (!flow) throw new PlatformRefusalError(`no browser flow for ${ctx.action.platform} ${ctx.action.action_type}`);
    return flow;
  };

  async function episodeOf(ctx: ActionContext): Promise<EpisodeBrowser> {
    const id = ctx.action.action_id;
    let entry = open.get(id);
    if (!entry) {
      entry = (async () => {
        const state = await options.sessions.load(ctx.account.session_ref);
        if (!state) throw new AuthExpiredError(`no stored browser session for account ${ctx.account.platform_account_id}: reconnect it`);
        const context = await options.provider.newContext({ storageState: state });
        // The guard watches the whole episode: read-only phases send no mutating request either.
        let guard: CommitGuard | undefined;
        if (options.commitGuard !== false) {
          const { annex, origin } = platformOf(ctx);
          const account = annex.account_cookie ? { cookie: annex.account_cookie, platformUserId: ctx.account.fingerprint.platform_user_id } : undefined;
          guard = new CommitGuard(origin, annex.non_committing, account);
          await guard.install(context);
        }
        const page = await context.newPage();
        // The runner's quiet page reads and screenshots go through one DevTools session: opened
        // now, beside the trace's start, rather than on the first read.
        void cdpSessionOf(page);
        return { context, page, ...(guard ? { guard } : {}) };
      })();
      open.set(id, entry);
      entry.catch(() => open.delete(id));
    }
    const e = await entry;
    if (e.idle) clearTimeout(e.idle);
    return e;
  }

  async function dispose(actionId: string): Promise<void> {
    const entry = open.get(actionId);
    if (!entry) return;
    open.delete(actionId);
    const e = await entry.catch(() => undefined);
    if (!e) return;
    if (e.idle) clearTimeout(e.idle);
    // An episode that ended without a phase to attach its trace to still leaves the zip behind.
    if (e.tracing && traces) await traces.stop(e.context, { episode_id: 'unattached', action_id: actionId, phase: 'dispose' }).catch(() => undefined);
    await e.context.close().catch(() => undefined);
  }

  /**
   * One trace per episode: started by the episode's first phase, stopped and attached to the
   * audit when the episode ends here — after verification, when identity fails, when the
   * pre-check finds the object, or when a phase throws. A later phase (verification after an
   * ambiguous attempt) starts a new segment.
   */
  async function startTracing(e: EpisodeBrowser, ctx: ActionContext): Promise<void> {
    if (!traces || e.tracing) return;
    try {
      await traces.start(e.context, `${ctx.action.platform} ${ctx.action.action_type} ${ctx.action.action_id}`);
      e.tracing = true;
    } catch (error) {
      ctx.log('trace not started', { error: (error as Error).message.split('\n')[0] });
    }
  }

  async function stopTracing(e: EpisodeBrowser, ctx: ActionContext, phase: string): Promise<ProofRef | undefined> {
    if (!traces || !e.tracing) return undefined;
    e.tracing = false;
    try {
      return await traces.stop(e.context, { episode_id: ctx.action.episode_id, action_id: ctx.action.action_id, phase });
    } catch (error) {
      ctx.log('trace not stored', { phase, error: (error as Error).message.split('\n')[0] });
      return undefined;
    }
  }

  /** The mutating requests of a phase, as the guard judged them, for the action's log (paths only). */
  function logRequests(e: EpisodeBrowser, ctx: ActionContext, phase: string): void {
    const seen = e.guard?.requests ?? [];
    if (seen.length) ctx.log('mutating requests', { phase, requests: seen.map((r) => `${r.verdict} ${r.method} ${r.path}`) });
  }

  /** One kernel call on the episode's page: a fresh flow context, the episode's trace, idle timer after. */
  async function phase<T>(ctx: ActionContext, name: string, run: (fc: FlowContext) => Promise<T>, ends?: (result: T) => boolean): Promise<{ result: T; trace?: ProofRef }> {
    const { annex, origin } = platformOf(ctx);
    // A layout drift seen on this platform by any account stops every account until a human
    // confirms; checked before a browser context is even opened.
    if (name === 'identity') await options.drift?.assertNoOpenIncident(ctx.action.platform);
    const e = await episodeOf(ctx);
    e.page.setDefaultTimeout(Math.max(1000, Math.min(stepTimeoutMs, ctx.deadline - Date.now())));
    e.guard?.reset();
    const fc = createFlowContext({ page: e.page, origin, annex, episode: ctx, ...(e.layout ? { layout: e.layout } : {}), ...(e.guard ? { commitGuard: e.guard } : {}) });
    await startTracing(e, ctx);
    try {
      let result: T;
      try {
        result = await run(fc);
      } catch (error) {
        logRequests(e, ctx, name);
        // A request the guard blocked explains whatever the flow made of it (an error page, a
        // missing receipt): the attempt is refused as unguarded, never read as drift or friction.
        e.guard?.assertClean(name);
        throw error;
      }
      logRequests(e, ctx, name);
      e.guard?.assertClean(name);
      e.layout = fc.layout;
      const trace = ends?.(result) ? await stopTracing(e, ctx, name) : undefined;
      return { result, ...(trace ? { trace } : {}) };
    } catch (error) {
      if (error instanceof DriftError && !(error instanceof SurfaceDriftError) && options.drift) {
        // Into the drift report: the anchor surface against the last known layout's baseline.
        const verdict = await options.drift.recordUnknownLayout(e.page, annex, origin).catch((err: Error) => {
          ctx.log('drift not recorded', { error: err.message.split('\n')[0] });
          return undefined;
        });
        if (verdict?.confirmed === false) ctx.log('unknown layout not confirmed on the anchor surface', { anchor: verdict.anchor });
        const record = verdict?.confirmed ? verdict.record : undefined;
        if (record) ctx.log('drift recorded', { record: record.id, layout_seen: record.layout_seen, diff_ratio: record.diff_ratio });
      }
      const trace = await stopTracing(e, ctx, name);
      if (trace) ctx.addProof(trace);
      throw error;
    } finally {
      e.guard?.disarm();
      e.idle = setTimeout(() => void dispose(ctx.action.action_id), idleMs);
      e.idle.unref?.();
    }
  }

  /**
   * A read-only episode on the account's session (the drift check, the comment poll): an action
   * shape only to name the episode's context and trace. Nothing can be committed: the kernel's
   * commit hooks refuse, and the request guard refuses any mutating request.
   */
  async function readOnly<T>(account: PlatformAccount, name: string, proofs: ProofRef[], run: (ctx: ActionContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const at = new Date().toISOString();
    const id = `${name}-${account.platform_account_id}-${Date.now().toString(36)}`;
    const action: Action = {
      action_id: id, episode_id: id, client_id: account.client_id, platform: account.platform, platform_account_id: account.platform_account_id,
      lane: 'browser', action_type: 'like', payload: {}, payload_hash: '', idempotency_key: id, state: 'queued', risk: 'normal',
      compliance_flags: [], created_by: name, policy_snapshot_id: null, attempt_count: 0, verify_tries: 0, owner_id: null,
      lease_expires_at: null, fence: 0, attempt_ended_at: null, absence: [], result: {}, escalated_at: null, depends_on: null,
      due_at: null, window_end_at: null, not_before: null, created_at: at, updated_at: at,
    };
    const ctx: ActionContext = {
      action, account, attempt: 0, deadline: Date.now() + 60_000, signal: signal ?? new AbortController().signal, commitChecks: 0,
      async beforeCommit() { throw new UnguardedCommitError(`a ${name} commits nothing`); },
      addProof: (p) => void proofs.push(p),
      async keepRef() { throw new UnguardedCommitError(`a ${name} keeps nothing`); },
      log: () => undefined,
    };
    // Aborted (its owner lost the account's lease): the context closes now, not after the step.
    const stop = () => void dispose(id);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      if (signal?.aborted) throw signal.reason ?? new Error(`${name} aborted`);
      const result = await run(ctx);
      if (signal?.aborted) throw signal.reason ?? new Error(`${name} aborted`);
      return result;
    } finally {
      signal?.removeEventListener('abort', stop);
      await dispose(id);
    }
  }

  return {
    tool: 'browser_runner',
    toolVersion: '1.0.0',

    get openContexts() {
      return open.size;
    },

    /** §4.3: the account surface must show at least 2 of handle, avatar-or-name, switcher selection. */
    async verifyIdentity(ctx) {
      const { result, trace } = await phase(ctx, 'identity', async (fc) => {
        await gotoUrl(fc, urlOf(fc, 'home'), { surface: 'home' });
        return runCheck(fc, 'identity', run, async () => identitySignals(fc), (signals) => signals.filter((s) => s.ok).length >= 2);
      }, (r) => r.result.filter((s) => s.ok).length < 2);
      const proofs = [...result.proofs, ...(trace ? [trace] : [])];
      const ok = result.result.filter((s) => s.ok).length >= 2;
      ctx.log('identity signals', { ok, matched: result.result.filter((s) => s.ok).map((s) => s.name) });
      return { ok, signals: result.result, proofs } satisfies IdentityProof;
    },

    async precheck(ctx): Promise<Precheck> {
      const flow = flowOf(ctx);
      const { result, trace } = await phase(ctx, 'precheck', (fc) => runCheck(fc, 'precheck', run, async (f) => {
        const found = await flow.precheck(f);
        // "Already done" read as another account (a like, a follow) would record an effect that never happened.
        await confirmLookViewer(f);
        return found;
      }), (r) => r.result.exists);
      for (const p of [...result.proofs, ...(trace ? [trace] : [])]) ctx.addProof(p);
      return result.result;
    },

    async attempt(ctx): Promise<AttemptReceipt> {
      const flow = flowOf(ctx);
      const { result, trace } = await phase(ctx, 'attempt', (fc) => runFlow(fc, flow.steps, run));
      if (trace) ctx.addProof(trace);
      if (!result.platform_object_id && !result.permalink && !result.acknowledged) {
        // The click happened but the platform showed no receipt: only verification can tell.
        throw new OutcomeUnknownError(`${ctx.action.platform} ${ctx.action.action_type}: no UI receipt after the commit click`);
      }
      return result;
    },

    async verify(ctx, receipt, look): Promise<Verification> {
      const flow = flowOf(ctx);
      const { result, trace } = await phase(ctx, 'verify', (fc) => runCheck(fc, 'verify', run, async (f) => {
        const seen = await flow.verify(f, receipt, look);
        // Read as whom? Another active account throws (the look proves nothing); a page that
        // does not show the account cannot prove an absence.
        const viewer = await confirmLookViewer(f);
        return seen.outcome === 'absent' && !viewer ? { ...seen, outcome: 'inconclusive' as const, precise: false } : seen;
      }), () => true);
      const v = result.result;
      if (v.outcome === 'absent' && v.precise && !flow.absence.surfaces.includes(v.surface ?? '')) {
        // A flow bug, not a proof: a precise look must name a surface of its own rule.
        ctx.log('precise look on a surface the absence rule does not name', { surface: v.surface ?? null });
      }
      return { ...v, proofs: [...(v.proofs ?? []), ...result.proofs, ...(trace ? [trace] : [])] };
    },

    absenceRule(actionType, platform) {
      const platforms = platform ? [platform] : (Object.keys(options.flows) as Platform[]);
      const rules = platforms.map((p) => options.flows[p]?.[actionType]?.absence).filter((r): r is AbsenceRule => r !== undefined);
      if (rules.length <= 1) return rules[0];
      return {
        windowMs: Math.max(...rules.map((r) => r.windowMs)),
        looks: Math.max(...rules.map((r) => r.looks)),
        surfaces: [...new Set(rules.flatMap((r) => r.surfaces))],
      };
    },

    dispose,
    release: (action) => dispose(action.action_id),

    async checkAnchors(account) {
      const proofs: ProofRef[] = [];
      try {
        const proof = await readOnly(account, 'drift-check', proofs, (ctx) => this.verifyIdentity(ctx));
        return { platform: account.platform, platform_account_id: account.platform_account_id, ok: true, identity_ok: proof.ok, proofs: [...proofs, ...(proof.proofs ?? [])] };
      } catch (error) {
        return { platform: account.platform, platform_account_id: account.platform_account_id, ok: false, code: errorCode(error), proofs };
      }
    },

    async readComments(account, read) {
      if (account.platform !== 'instagram') throw new PlatformRefusalError(`the browser lane reads comments on instagram only, not ${account.platform}`);
      const { signal, ...options } = read;
      return readOnly(account, 'comment-poll', [], async (ctx) => {
        // Whose comments: the page must show the account first (§4.3), as before any episode.
        const identity = await this.verifyIdentity(ctx);
        if (!identity.ok) throw new IdentityMismatchError(identity.signals.filter((s) => s.ok).map((s) => s.name), 'the browser session does not show the account: its comments were not read');
        return (await phase(ctx, 'read_comments', (fc) => readOwnComments(fc, options))).result;
      }, signal);
    },

    async close() {
      await Promise.all([...open.keys()].map((id) => dispose(id)));
    },
  };
}

/** Reads the three identity signals of §4.3 on the current page (one round trip) and compares them with the stored fingerprint. */
async function identitySignals(fc: FlowContext): Promise<IdentityProof['signals']> {
  const id = fc.layout.annex.identity;
  const fp = fc.account.fingerprint;
  const probe = await probePage(fc.page, {
    text: { handle: id.handle, name: id.display_name, switcher: id.switcher_selection },
    visible: { avatar: id.avatar },
    attr: { src: [id.avatar, 'src'], alt: [id.avatar, 'alt'] },
  });
  const handleOk = bare(probe.text.handle) === bare(fp.handle);
  const src = probe.attr.src ?? '';
  const alt = probe.attr.alt ?? '';
  // Real avatar URLs are opaque CDN paths (never the account id): the one recorded at onboarding,
  // or the alt text naming the handle.
  const avatarOk = probe.visible.avatar === true && (
    (fp.extra.avatar_src !== undefined && src === fp.extra.avatar_src) ||
    bare(alt.split(/['’]s /)[0]) === bare(fp.handle)
  );
  const nameOk = fp.display_name !== '' && probe.text.name?.trim() === fp.display_name;
  const switcherOk = bare(probe.text.switcher) === bare(fp.handle);
  const values = { handle: handleOk, avatar_or_name: avatarOk || nameOk, switcher: switcherOk };
  return SIGNALS.map((name) => ({ name, ok: values[name] }));
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}
