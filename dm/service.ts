import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { submitAction } from '../safety/index.js';
import { AUTO_SEND_AUTHOR, DmPolicy, newId, type Action, type DmDecisionRow, type DmEvent, type Lane, type PlatformAccount, type PolledComment, type Store } from '../store/index.js';
import { decide, type DmDecision, type DmMessage } from './decide.js';
import { loadOrCreateBundleKey, sha256Hex, writeBundles, type BundleSigningKey } from './bundle/index.js';
import { LANGUAGES, type Language } from './records.js';
import { metaWebhookSchema, normalizeWebhook, type NormalizedEvent } from './webhook.js';
import { editDistance } from './edit-distance.js';
import { engageOnComment } from './engage.js';
import { laneFor } from './lane.js';

/** Where the assistant keeps what must stay private (raw bodies, texts, drafts): 0700 dirs, 0600 files. */
export function privateDir(dataDir: string): string {
  return join(dataDir, 'dm', 'private');
}

/** Why a review could not be done; the message names what to do. `status` is the HTTP answer. */
export class DmReviewError extends Error {
  constructor(readonly status: 404 | 409 | 400, message: string) {
    super(message);
  }
}

export interface DmServiceOptions {
  store: Store;
  dataDir: string;
  now?: () => Date;
  /** Deliveries are retried this many times before they stay `failed`. @default 5 */
  maxAttempts?: number;
  /** This processor's name in the inbox's claims (hosts sharing the inbox each their own). @default `dm:` + a random id */
  owner?: string;
  /** How long a claimed delivery stays this processor's: one that dies holds it no longer. @default 120000 */
  claimMs?: number;
  /**
   * Reads a sender's username (the User Profile API, read-only) for the reviewer's "open IG
   * thread" link; null when it cannot. A failure never holds a decision up.
   */
  readUsername?: (account: PlatformAccount, senderId: string) => Promise<string | null>;
  /** Logs one line per processed delivery: counts and ids only, never text. */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface ProcessReport {
  deliveries: number;
  events: number;
  decisions: number;
  failed: number;
}

export type DmService = ReturnType<typeof createDmService>;

/** Reads one account's newest comments, read-only; `null` when the account is busy now (next pass). */
export type CommentReader = (account: PlatformAccount, options: { sinceMs: number }) => Promise<PolledComment[] | null>;
/** The poll's readers per lane: an account with an API token is read by `api`, any other by `browser`. */
export interface CommentReaders {
  api?: CommentReader;
  browser?: CommentReader;
}

export interface PollReport {
  accounts: number;
  comments: number;
  new_comments: number;
  failed: number;
  /** Accounts left to the next pass: a runner was working on them. */
  busy: number;
}

/** How far back the poll looks by default: a day (private replies are allowed for 7). */
const POLL_LOOKBACK_MS = 24 * 3_600_000;

const THREAD_CONTEXT = 10;
/** Backoff of a failed delivery's next attempt: doubling from 5 s, at most 10 min. */
const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 10 * 60_000;

/**
 * The DM assistant as a service: a durable inbox of verified webhook bodies, processed in the
 * background into the append-only event store, then triage → draft → panel → bundles → the
 * reviewer queue. A crash anywhere loses nothing (the body is on disk and in the inbox before
 * Meta gets its 200) and repeats nothing (events dedupe on Meta's ids; one decision per event).
 * An approved reply leaves as a `dm_send` action through the kernel, keyed on the source `mid`.
 */
export function createDmService(options: DmServiceOptions) {
  const { store, dataDir } = options;
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxAttempts ?? 5;
  const owner = options.owner ?? `dm:${randomUUID()}`;
  const claimMs = options.claimMs ?? 120_000;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const log = options.log ?? (() => undefined);
  const root = privateDir(dataDir);
  let key: BundleSigningKey | undefined;
  const bundleKey = () => (key ??= loadOrCreateBundleKey(dataDir));

  const writePrivate = (rel: string, content: string | Uint8Array): string => {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    for (let d = dirname(file); d.startsWith(root); d = dirname(d)) chmodSync(d, 0o700);
    if (!existsSync(file)) writeFileSync(file, content, { mode: 0o600 });
    return rel;
  };
  const readPrivate = (rel: string): string => readFileSync(join(root, rel), 'utf8');

  let chain: Promise<unknown> = Promise.resolve();
  let queued = false;

  /** Stores a verified body before anything else happens to it; returns its delivery id. */
  async function receive(raw: Uint8Array): Promise<string> {
    const deliveryId = newId();
    const bodyRef = writePrivate(join('inbox', `${deliveryId}.json`), raw);
    await store.dmInbox.add({
      delivery_id: deliveryId, received_at: now().toISOString(), body_sha256: sha256Hex(raw), body_ref: bodyRef,
      state: 'pending', attempts: 0, last_error: null, processed_at: null, retry_at: null,
    });
    return deliveryId;
  }

  /**
   * The managed account a webhook entry is for. Two accounts claiming the same Instagram user
   * (two clients connected one account) is no answer: acting for either could be acting for the
   * wrong tenant, so the event is recorded for nobody and a person must sort the accounts out.
   */
  async function accountFor(igUserId: string): Promise<PlatformAccount | null> {
    const matches = (await store.accounts.list()).filter((a) => a.platform === 'instagram' && a.fingerprint.platform_user_id === igUserId);
    if (matches.length > 1) log('dm event for an ambiguous account', { ig_user_id: igUserId, accounts: matches.map((a) => a.platform_account_id) });
    return matches.length === 1 ? matches[0]! : null;
  }

  async function policyOf(clientId: string): Promise<DmPolicy> {
    return (await store.policies.current(clientId))?.dm ?? DmPolicy.parse({});
  }

  async function record(event: NormalizedEvent, deliveryId: string, account: PlatformAccount | null): Promise<DmEvent> {
    const eventId = newId();
    const textRef = event.text !== null ? writePrivate(join('text', `${sha256Hex(event.dedupe_key)}.txt`), event.text) : null;
    const { event: stored } = await store.dmEvents.append({
      event_id: eventId, dedupe_key: event.dedupe_key, kind: event.kind, ig_user_id: event.ig_user_id,
      platform_account_id: account?.platform_account_id ?? null, client_id: account?.client_id ?? null,
      sender_id: event.sender_id, ref: event.ref, parent_ref: event.parent_ref, timestamp_ms: event.timestamp_ms,
      text_sha256: event.text !== null ? sha256Hex(event.text) : null, text_ref: textRef, attachments: event.attachments,
      delivery_id: deliveryId, recorded_at: now().toISOString(),
    });
    return stored;
  }

  /** The sender's username: the thread's last decision's, else one read from the platform, else null. */
  async function usernameOf(account: PlatformAccount, senderId: string): Promise<string | null> {
    const known = await store.dmDecisions.lastUsername(account.platform_account_id, senderId);
    if (known || !options.readUsername) return known;
    try {
      const name = await options.readUsername(account, senderId);
      return name && /^[A-Za-z0-9._]{1,30}$/.test(name) ? name : null;
    } catch {
      return null;
    }
  }

  /** Triage → draft → panel → bundles → queue, once per message event. */
  async function decideOn(event: DmEvent, account: PlatformAccount): Promise<boolean> {
    if (await store.dmDecisions.forEvent(event.event_id)) return false;
    const policy = await policyOf(account.client_id);
    const earlier = (await store.dmEvents.thread(account.platform_account_id, event.sender_id, THREAD_CONTEXT + 5))
      .filter((e) => e.kind === 'message' && e.event_id !== event.event_id && e.timestamp_ms <= event.timestamp_ms && e.text_ref)
      .slice(0, THREAD_CONTEXT)
      .reverse();
    const last = await store.dmDecisions.lastLanguage(account.platform_account_id, event.sender_id);
    const message: DmMessage = {
      sender_id: event.sender_id,
      recipient_id: event.ig_user_id,
      mid: event.ref,
      timestamp_ms: event.timestamp_ms,
      text: event.text_ref ? readPrivate(event.text_ref) : '',
      thread: earlier.map((e) => readPrivate(e.text_ref!)),
      ...(last && (LANGUAGES as readonly string[]).includes(last) ? { thread_lang: last as Language } : {}),
      ...(account.fingerprint.extra.page_id ? { page_id: account.fingerprint.extra.page_id } : {}),
      trace_id: randomUUID(),
    };
    const decision = decide(message, policy.links);
    const dirs = writeBundles(dataDir, message, decision, bundleKey(), now().getTime());
    const draftRef = writePrivate(join('drafts', `${decision.triage.trace_id}.txt`), decision.final_text);
    const escalated = decision.escalation !== undefined;
    const { inserted } = await store.dmDecisions.add({
      trace_id: decision.triage.trace_id,
      event_id: event.event_id,
      platform_account_id: account.platform_account_id,
      client_id: account.client_id,
      sender_id: event.sender_id,
      mid: event.ref,
      tier: decision.triage.risk.tier,
      intent: decision.triage.intent.label,
      language: decision.triage.language.code,
      panel_decision: decision.panel.decision,
      escalated,
      reason_codes: decision.escalation?.reason_codes ?? [],
      template_id: decision.draft.template_id,
      draft_text_sha256: sha256Hex(decision.draft.text),
      final_text_sha256: decision.panel.final_draft_text_sha256,
      draft_ref: draftRef,
      bundle_ref: relative(dataDir, dirs.public),
      decided_at: now().toISOString(),
      review_state: policy.rollout === 'triage_only' && !escalated ? 'triage_only' : 'pending',
      reviewed_by: null,
      reviewed_at: null,
      sent_text_sha256: null,
      edit_distance: null,
      action_id: null,
      sender_username: await usernameOf(account, event.sender_id),
    });
    if (inserted) await autoSend(decision, policy, account);
    return inserted;
  }

  /**
   * §7's last rollout step: a low-risk draft goes out without a reviewer only when everything
   * says so — the client's phase is `auto_send` and it enabled the intent, the panel approved the
   * draft unchanged, language and intent were confident, people approved this intent's drafts
   * unedited often enough lately, and no `dm_auto_send` switch covers the client. Otherwise the
   * draft waits in the queue as always. The send is the reviewer's path (`approve`), so the
   * kernel's autonomy, kill switches and the `mid` key apply unchanged.
   */
  async function autoSend(decision: DmDecision, policy: DmPolicy, account: PlatformAccount): Promise<void> {
    const t = decision.triage;
    const rule = policy.auto_send;
    if (policy.rollout !== 'auto_send' || !rule.enabled || decision.escalation !== undefined) return;
    if (t.risk.tier !== 'normal' || decision.panel.decision !== 'approve_draft') return;
    if (t.language.confidence < 0.8 || t.intent.confidence < 0.7 || !(rule.intents as string[]).includes(t.intent.label)) return;
    const reviews = await store.dmDecisions.humanReviews(account.client_id, t.intent.label, rule.min_reviewed);
    const unedited = reviews.filter((r) => r.review_state !== 'rejected' && r.edit_distance === 0).length;
    if (reviews.length < rule.min_reviewed || unedited / reviews.length < rule.min_unedited_share) {
      log('dm auto-send not earned', { trace_id: t.trace_id, intent: t.intent.label, reviewed: reviews.length, unedited });
      return;
    }
    const stop = await store.killSwitches.autoSendStop(account.client_id);
    if (stop) {
      log('dm auto-send held by its kill switch', { trace_id: t.trace_id, scope_id: stop.scope_id });
      return;
    }
    try {
      const { action } = await approve(t.trace_id, AUTO_SEND_AUTHOR);
      log('dm auto-sent', { trace_id: t.trace_id, intent: t.intent.label, action_id: action.action_id });
    } catch (error) {
      // A reviewer who got there first, or a kernel refusal: the draft stays where it is.
      log('dm auto-send refused', { trace_id: t.trace_id, error: (error as Error).message.slice(0, 200) });
    }
  }

  /** A message the sender took back is not answered: its pending draft is withdrawn. */
  async function withdraw(unsend: DmEvent): Promise<void> {
    const original = await store.dmEvents.byDedupeKey(`message:${unsend.parent_ref}`);
    const decision = original ? await store.dmDecisions.forEvent(original.event_id) : null;
    if (decision) await store.dmDecisions.review(decision.trace_id, 'pending', { review_state: 'rejected', reviewed_by: 'system:unsent', reviewed_at: now().toISOString() });
  }

  async function processDelivery(deliveryId: string, bodyRef: string): Promise<{ events: number; decisions: number }> {
    let json: unknown;
    try {
      json = JSON.parse(readPrivate(bodyRef));
    } catch {
      // Never the parser's own message: V8 quotes the input, which is DM text.
      throw new Error('body: not JSON');
    }
    const parsed = metaWebhookSchema.safeParse(json);
    if (!parsed.success) throw new Error(`body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    let events = 0;
    let decisions = 0;
    for (const normalized of normalizeWebhook(parsed.data)) {
      const r = await handle(normalized, deliveryId, await accountFor(normalized.ig_user_id));
      events += 1;
      decisions += r.decided ? 1 : 0;
    }
    return { events, decisions };
  }

  /** One normalised event, from a webhook or the comment poll: stored once, then decided on or engaged with. */
  async function handle(normalized: NormalizedEvent, deliveryId: string, account: PlatformAccount | null): Promise<{ decided: boolean }> {
    const event = await record(normalized, deliveryId, account);
    if (!account) return { decided: false };
    let decided = false;
    if (event.kind === 'message' && (await decideOn(event, account))) {
      decided = true;
      // Out of order: the unsend came first. The message is decided (and evidenced) but never offered.
      const unsent = await store.dmEvents.byDedupeKey(`unsend:${event.ref}`);
      if (unsent) await withdraw(unsent);
    }
    if (event.kind === 'unsend') await withdraw(event);
    // A marker in the event store says the loop ran for this comment: a replayed delivery (or the
    // poll finding a comment a webhook brought) finds it and queues nothing; a crash before it
    // leaves the comment to the next pass (the actions' idempotency keys keep a re-queued one
    // from acting twice).
    if (event.kind === 'comment' && !(await store.dmEvents.byDedupeKey(`engaged:${event.ref}`))) {
      const outcome = await engageOnComment(store, event, event.text_ref ? readPrivate(event.text_ref) : '', account, await policyOf(account.client_id), now());
      await store.dmEvents.append({
        event_id: newId(), dedupe_key: `engaged:${event.ref}`, kind: 'engaged', ig_user_id: event.ig_user_id, platform_account_id: account.platform_account_id,
        client_id: account.client_id, sender_id: event.sender_id, ref: outcome.dm?.action_id ?? outcome.reply?.action_id ?? 'none', parent_ref: event.ref,
        timestamp_ms: now().getTime(), text_sha256: null, text_ref: null, attachments: [], delivery_id: deliveryId, recorded_at: now().toISOString(),
      });
      log('comment engage', { event_id: event.event_id, rule_id: outcome.rule_id ?? null, reply: outcome.reply?.action_id ?? null, dm: outcome.dm?.action_id ?? null, skipped: outcome.skipped ?? null });
    }
    return { decided };
  }

  /**
   * GP4's read-only fallback when comment webhooks are missing: for every Instagram account whose
   * client enabled the engage loop, the newest comments (from `sinceMs`, default the last 24 h)
   * go through the same path as a webhook's — read on the API lane when the account has a token,
   * else on the browser lane (a client without API access has no webhooks at all: the poll is its
   * engage loop). A comment a webhook brought too is the same event (deduped on its id, which the
   * web shows in the comment's permalink), so the loop runs once for it either way. An account the
   * poll cannot read is logged and skipped; the others are still read.
   */
  function pollComments(readers: CommentReaders, options: { sinceMs?: number } = {}): Promise<PollReport> {
    // In line with the webhook passes, never beside one: both would find no marker for a comment.
    const run = chain.then(() => pollNow(readers, options));
    chain = run.catch(() => undefined);
    return run;
  }

  async function pollNow(readers: CommentReaders, options: { sinceMs?: number }): Promise<PollReport> {
    const report: PollReport = { accounts: 0, comments: 0, new_comments: 0, failed: 0, busy: 0 };
    const sinceMs = options.sinceMs ?? now().getTime() - POLL_LOOKBACK_MS;
    const instagram = (await store.accounts.list()).filter((a) => a.platform === 'instagram');
    const claims = new Map<string, number>();
    for (const a of instagram) claims.set(a.fingerprint.platform_user_id, (claims.get(a.fingerprint.platform_user_id) ?? 0) + 1);
    for (const account of instagram) {
      if (account.state !== 'active') continue;
      // Two accounts claiming one Instagram user (two clients connected it): acting for either
      // could be acting for the wrong tenant — the webhook path refuses it too.
      if ((claims.get(account.fingerprint.platform_user_id) ?? 0) > 1) {
        log('comment poll skipped an ambiguous account', { platform_account_id: account.platform_account_id });
        continue;
      }
      if (!(await policyOf(account.client_id)).engage.enabled) continue;
      // The lane the engage loop will act on.
      const lane = await laneFor(store, account.platform_account_id);
      const reader = readers[lane];
      if (!reader || (lane === 'browser' && !account.session_ref)) continue;
      report.accounts += 1;
      let comments: PolledComment[] | null;
      try {
        comments = await reader(account, { sinceMs });
      } catch (error) {
        report.failed += 1;
        log('comment poll failed for an account', { platform_account_id: account.platform_account_id, lane, error: (error as Error).message.slice(0, 200) });
        continue;
      }
      if (comments === null) {
        report.busy += 1;
        continue;
      }
      const deliveryId = `poll-${newId()}`;
      for (const c of comments) {
        report.comments += 1;
        // Whom to answer: the app-scoped id where the lane shows it, else the handle the web shows.
        const sender = c.from_id !== '' ? c.from_id : c.username ? `@${c.username}` : '';
        if (sender === '' || (await store.dmEvents.byDedupeKey(`comment:${c.id}`))) continue;
        report.new_comments += 1;
        await handle({
          kind: 'comment', ig_user_id: account.fingerprint.platform_user_id, sender_id: sender, ref: c.id, parent_ref: c.media_id,
          timestamp_ms: c.timestamp_ms, text: c.text, attachments: [], dedupe_key: `comment:${c.id}`,
        }, deliveryId, account);
      }
    }
    log('comment poll', { ...report });
    return report;
  }

  /**
   * An automatic reply that never left — its action ended `blocked` before any tool call (its
   * `dm_auto_send` switch engaged after it was queued, another switch, the policy) — goes back to
   * the reviewer queue: nothing was sent, so a person decides. Runs with every processing pass
   * and with the farm's expiry job (one indexed query, `dmDecisions.stoppedAutoSends`); idempotent.
   */
  async function reopenStopped(): Promise<number> {
    let reopened = 0;
    for (const d of await store.dmDecisions.stoppedAutoSends(200)) {
      const back = await store.dmDecisions.review(d.trace_id, 'approved', {
        review_state: 'pending', reviewed_by: null, reviewed_at: null, sent_text_sha256: null, edit_distance: null, action_id: null,
      });
      if (back) {
        reopened += 1;
        log('dm auto-send stopped; the draft is back in the queue', { trace_id: d.trace_id, action_id: d.action_id });
      }
    }
    return reopened;
  }

  /** Processes every pending delivery, oldest first. Safe to run again after a crash at any point. */
  async function processPending(): Promise<ProcessReport> {
    await reopenStopped();
    const report: ProcessReport = { deliveries: 0, events: 0, decisions: 0, failed: 0 };
    for (;;) {
      // Claimed, not just read: several hosts process one inbox, each delivery on one at a time
      // (processing is idempotent besides — events dedupe, one decision per event — so a claim
      // that ran out on a slow host costs repeated work, never a repeated reply).
      const batch = await store.dmInbox.claim(owner, 20, maxAttempts, now(), new Date(now().getTime() + claimMs));
      if (batch.length === 0) {
        await scheduleRetry();
        return report;
      }
      for (const entry of batch) {
        try {
          const r = await processDelivery(entry.delivery_id, entry.body_ref);
          await store.dmInbox.markDone(entry.delivery_id, now());
          report.deliveries += 1;
          report.events += r.events;
          report.decisions += r.decisions;
          log('dm delivery processed', { delivery_id: entry.delivery_id, events: r.events, decisions: r.decisions });
        } catch (error) {
          report.failed += 1;
          // Backoff: 5 s, 10 s, 20 s … (at most 10 min) — a store or disk that is failing now is
          // not hammered, and the attempts are spread over minutes, not spent in one pass.
          const retryAt = new Date(now().getTime() + Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** entry.attempts));
          await store.dmInbox.markFailed(entry.delivery_id, (error as Error).message, retryAt);
          log('dm delivery failed', { delivery_id: entry.delivery_id, attempts: entry.attempts + 1, retry_at: entry.attempts + 1 < maxAttempts ? retryAt.toISOString() : null, error: (error as Error).message.slice(0, 200) });
        }
      }
    }
  }

  /**
   * A pass that left failed deliveries waiting comes back when the first is due; one that found
   * deliveries another host holds comes back when such a claim may have run out (that host may
   * have died with them). The timer never holds the process up.
   */
  async function scheduleRetry(): Promise<void> {
    const failedDue = await store.dmInbox.nextRetry(maxAttempts);
    const heldElsewhere = (await store.dmInbox.pending(1, maxAttempts, now())).length > 0 ? new Date(now().getTime() + claimMs) : null;
    const next = [failedDue, heldElsewhere].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0];
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    if (!next || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      kick();
    }, Math.max(0, next.getTime() - now().getTime()) + 50);
    retryTimer.unref?.();
  }

  /** Schedules a processing pass; passes never overlap. */
  function kick(): void {
    if (queued || closed) return;
    queued = true;
    chain = chain.then(async () => {
      queued = false;
      await processPending();
    }).catch((error: Error) => log('dm processing failed', { error: error.message.slice(0, 200) }));
  }

  /** The draft text a reviewer is offered (private; never logged). */
  function draftText(decision: DmDecisionRow): string {
    return readPrivate(decision.draft_ref);
  }

  /**
   * The reviewer approves (optionally after editing): a `dm_send` action through the kernel,
   * keyed on the source `mid` so a second approval, a double click or a retry never sends twice.
   */
  async function approve(traceId: string, reviewer: string, options: { text?: string; lane?: Lane } = {}): Promise<{ decision: DmDecisionRow; action: Action }> {
    const decision = await store.dmDecisions.get(traceId);
    if (!decision) throw new DmReviewError(404, `no DM draft ${traceId}`);
    if (decision.review_state !== 'pending' && decision.review_state !== 'triage_only') throw new DmReviewError(409, `the draft is ${decision.review_state} already`);
    const drafted = draftText(decision);
    const text = (options.text ?? drafted).trim();
    if (!text) throw new DmReviewError(400, 'text: the reply is empty');
    if (text.length > 1000) throw new DmReviewError(400, 'text: longer than 1000 characters');
    const lane = options.lane ?? (await laneFor(store, decision.platform_account_id));
    // The API lane answers the app-scoped id Meta sent; the browser lane finds the person by
    // username only (an app-scoped id is not a web thread id: sent there, it could reach someone
    // else). Without a username the draft stays in the queue for the Instagram app.
    if (lane === 'browser' && !decision.sender_username) {
      throw new DmReviewError(409, 'lane: the browser lane sends to a username and this sender\'s is unknown (no API token, or no consent to read it): answer from the Instagram app, or connect the API lane');
    }
    // The draft is claimed first: of two reviewers approving at once, only one queues a send.
    const claimed = await store.dmDecisions.review(traceId, decision.review_state, {
      review_state: 'approved', reviewed_by: reviewer, reviewed_at: now().toISOString(),
      sent_text_sha256: sha256Hex(text), edit_distance: editDistance(drafted, text),
    });
    if (!claimed) throw new DmReviewError(409, 'another reviewer decided on this draft first');
    let action: Action;
    try {
      action = await submitAction(store, {
        client_id: decision.client_id,
        platform_account_id: decision.platform_account_id,
        lane,
        action_type: 'dm_send',
        payload: { recipient: lane === 'browser' ? `@${decision.sender_username}` : decision.sender_id, text },
        idempotency_key: `dm-reply:${decision.mid}`,
        created_by: reviewer,
      });
    } catch (error) {
      await store.dmDecisions.review(traceId, 'approved', { review_state: decision.review_state, reviewed_by: null, reviewed_at: null, sent_text_sha256: null, edit_distance: null });
      throw error;
    }
    await store.dmDecisions.review(traceId, 'approved', { review_state: 'approved', action_id: action.action_id });
    return { decision: (await store.dmDecisions.get(traceId))!, action };
  }

  async function reject(traceId: string, reviewer: string): Promise<DmDecisionRow> {
    const decision = await store.dmDecisions.get(traceId);
    if (!decision) throw new DmReviewError(404, `no DM draft ${traceId}`);
    if (decision.review_state !== 'pending' && decision.review_state !== 'triage_only') throw new DmReviewError(409, `the draft is ${decision.review_state} already`);
    const moved = await store.dmDecisions.review(traceId, decision.review_state, { review_state: 'rejected', reviewed_by: reviewer, reviewed_at: now().toISOString() });
    if (!moved) throw new DmReviewError(409, 'another reviewer decided on this draft first');
    return (await store.dmDecisions.get(traceId))!;
  }

  /** Resolves once no processing pass is queued or running. */
  /** No new pass starts (the retry timer is cleared); resolves once the running one ended. */
  async function close(): Promise<void> {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    await idle();
  }

  async function idle(): Promise<void> {
    for (let seen: Promise<unknown> | undefined; seen !== chain; ) {
      seen = chain;
      await chain;
    }
  }

  return { receive, processPending, pollComments, reopenStopped, kick, idle, close, approve, reject, draftText, bundleKey };
}
