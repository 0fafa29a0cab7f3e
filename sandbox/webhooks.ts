import { createHmac, randomInt } from 'node:crypto';
import type { FiredLog } from './fired.js';
import { deriveSeed, mulberry32 } from './rng.js';
import type { Comment, Delivery, DeliveryKind, IgReaction, Message, WebhookSubscription } from './types.js';
import { chunk, mergeBodies, shuffle, WEBHOOK_FAULTS_OFF, webhookFaultsOn, type WebhookFaults } from './webhook-faults.js';
import type { World } from './world.js';

export interface WebhookOptions {
  /** Attempts per delivery, the first included. @default 5 */
  maxAttempts: number;
  /** Backoff before retry n is baseMs · 2^(n-1). @default 200 */
  baseMs: number;
  /** Per-attempt timeout. @default 5000 */
  timeoutMs: number;
}

/** Thrown when a subscription cannot be made; the message says why. */
export class WebhookSubscribeError extends Error {
  readonly code = 'webhook_subscribe_failed';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * JSON as Meta's encoder writes a webhook body: compact, every character outside ASCII escaped as
 * `\uXXXX` with lowercase hex (characters beyond U+FFFF as their UTF-16 surrogate pair: "😀" →
 * `\ud83d\ude00`), and "/" escaped as `\/`, as Meta's bodies arrive. Meta signs exactly these
 * bytes (Graph API "Webhooks: Getting Started", Validating Payloads: the signature is computed over
 * an escaped-unicode version of the payload with lowercase hex digits, "äöå" → `\u00e4\u00f6\u00e5`),
 * so a receiver that checks the signature over a re-serialisation of the parsed body gets a mismatch.
 */
export function metaJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('metaJson: value is not JSON-serialisable');
  // "/" appears only inside strings in JSON; characters above U+007F are escaped one UTF-16 code unit at a time.
  return json.replace(/\//g, '\\/').replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `X-Hub-Signature-256` value Meta sends: HMAC-SHA256 of the raw body keyed with the app secret. */
export function metaSignature(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;
}

/** One emitted event while webhook faults are on: queued, then sent in some POST. */
export interface WebhookEvent {
  id: string;
  seq: number;
  kind: DeliveryKind;
  emitted_at: string;
  delay_ms: number;
  state: 'queued' | 'sent';
  /** The delivery (POST) that carried it. */
  delivery_id?: string;
  payload: object;
  due: number;
}

const MAX_EVENTS = 2000;

/** One entry of `entry[].messaging` (Instagram Messaging webhooks): sender, recipient, timestamp and what happened. */
export interface MessagingEvent {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: { mid: string; text?: string; attachments?: { type: string; payload: { url: string } }[]; is_echo?: true; is_deleted?: true };
  reaction?: { mid: string; action: 'react' | 'unreact'; reaction?: string; emoji?: string };
  read?: { mid: string };
  message_edit?: { mid: string; text: string; num_edit: number };
}

/** Meta-format webhooks: GET handshake on subscription, signed POSTs, bounded retries with backoff. */
export class Webhooks {
  private timers = new Set<NodeJS.Timeout>();
  private closing = new AbortController();
  private serial = 0;
  private eventSeq = 0;
  private flushes = 0;
  private flushPending = false;
  private maxSentSeq = 0;
  private events: WebhookEvent[] = [];
  faults: WebhookFaults = WEBHOOK_FAULTS_OFF;

  constructor(private readonly world: World, private readonly options: WebhookOptions, private readonly sandboxSeed = 1, private readonly fired?: FiredLog) {}

  /** Emitted events (webhook faults on), oldest first, without their payloads. */
  eventLog(): Omit<WebhookEvent, 'payload' | 'due'>[] {
    return this.events.map(({ payload: _p, due: _d, ...e }) => e);
  }

  /** Drops queued events and the event log (admin reset). */
  resetQueue(): void {
    this.events = [];
    this.eventSeq = 0;
    this.flushes = 0;
    this.maxSentSeq = 0;
  }

  private get seed(): number {
    return this.faults.seed ?? deriveSeed(this.sandboxSeed, 'webhooks');
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Queues events with their seeded delays; they leave in flushes. */
  private enqueue(kind: DeliveryKind, payload: object, copies: number): WebhookEvent[] {
    const out: WebhookEvent[] = [];
    for (let i = 0; i < copies; i++) {
      this.eventSeq += 1;
      const d = this.faults.delay;
      const delay = d ? d.baseMs + Math.floor(mulberry32(deriveSeed(this.seed, 'delay', this.eventSeq))() * (d.jitterMs + 1)) : 0;
      const event: WebhookEvent = { id: `evt_${this.eventSeq}`, seq: this.eventSeq, kind, emitted_at: new Date().toISOString(), delay_ms: delay, state: 'queued', payload, due: Date.now() + delay };
      this.events.push(event);
      out.push(event);
      this.later(delay, () => this.flushSoon());
    }
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    return out;
  }

  private flushSoon(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.later(this.faults.batch_window_ms, () => {
      this.flushPending = false;
      void this.flush().catch(() => undefined);
    });
  }

  /** Sends every due event: shuffled if asked, split into POSTs of seeded sizes, same-account entries merged. */
  private async flush(): Promise<void> {
    const sub = this.subscription;
    const due = this.events.filter((e) => e.state === 'queued' && e.due <= Date.now() + 5).sort((a, b) => a.seq - b.seq);
    if (!sub || due.length === 0) return;
    this.flushes += 1;
    const rng = mulberry32(deriveSeed(this.seed, 'flush', this.flushes));
    const ordered = this.faults.reorder ? shuffle(due, rng) : due;
    const out: Delivery[] = [];
    for (const group of chunk(ordered, this.faults.batch_max, rng)) {
      this.serial += 1;
      const body = metaJson(group.length === 1 ? group[0]!.payload : mergeBodies(group.map((e) => e.payload as Parameters<typeof mergeBodies>[0][number])));
      const delivery: Delivery = { id: `dlv_${Date.now().toString(36)}_${this.serial}`, kind: group[0]!.kind, events: group.map((e) => e.id), body, attempts: [], state: 'pending' };
      this.world.data.deliveries.push(delivery);
      for (const e of group) {
        e.state = 'sent';
        e.delivery_id = delivery.id;
        if (e.delay_ms > 0) this.fired?.record('webhook_delay', { ref: e.id });
        if (e.seq < this.maxSentSeq) this.fired?.record('webhook_reorder', { ref: e.id });
        this.maxSentSeq = Math.max(this.maxSentSeq, e.seq);
      }
      if (group.length > 1) this.fired?.record('webhook_rebatch', { ref: delivery.id });
      out.push(delivery);
    }
    for (const delivery of out) await this.attempt(delivery, sub);
    await this.world.state.save();
  }

  get subscription(): WebhookSubscription | null {
    return this.world.data.webhook;
  }

  async subscribe(input: { callback_url: string; verify_token: string; app_secret: string; echoes?: boolean }): Promise<WebhookSubscription> {
    const url = new URL(input.callback_url);
    if (!LOOPBACK.has(url.hostname)) throw new WebhookSubscribeError('callback_url must be on loopback (127.0.0.1 or localhost): the sandbox never leaves the machine');
    // "hub.challenge: an int you must pass back to us" (sample 1158201444): 9 or 10 digits, echoed exactly.
    const challenge = String(randomInt(100_000_000, 2_147_483_647));
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.verify_token', input.verify_token);
    url.searchParams.set('hub.challenge', challenge);
    let status: number;
    let body: string;
    try {
      const res = await fetch(url, { signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.closing.signal]) });
      status = res.status;
      body = await res.text();
    } catch (error) {
      throw new WebhookSubscribeError(`verification request to the callback failed: ${(error as Error).message}`);
    }
    if (status !== 200) throw new WebhookSubscribeError(`callback answered the verification request with HTTP ${status}, expected 200`);
    if (body !== challenge) throw new WebhookSubscribeError(`callback did not echo hub.challenge exactly: expected ${challenge}, got ${JSON.stringify(body.slice(0, 40))}`);
    const sub: WebhookSubscription = {
      callback_url: input.callback_url,
      verify_token: input.verify_token,
      app_secret: input.app_secret,
      echoes: input.echoes ?? true,
      verified_at: new Date().toISOString(),
    };
    this.world.data.webhook = sub;
    await this.world.state.save();
    return sub;
  }

  async unsubscribe(): Promise<void> {
    this.world.data.webhook = null;
    await this.world.state.save();
  }

  /**
   * One Instagram messaging event in Meta's envelope: `{object:"instagram", entry:[{time, id:<business id>,
   * messaging:[event]}]}` (Instagram Messaging webhooks; "Instagram Platform Webhook Notification Examples").
   */
  messagingBody(business: string, event: MessagingEvent): { object: 'instagram'; entry: { time: number; id: string; messaging: MessagingEvent[] }[] } {
    return { object: 'instagram', entry: [{ time: event.timestamp, id: business, messaging: [event] }] };
  }

  /**
   * `messages`: a message (text, or `attachments` and no text); `is_echo` when the business account
   * sent it (echoes come with the `messages` field on Instagram).
   */
  messageEvent(message: Message, echo: boolean): MessagingEvent {
    return {
      sender: { id: message.from_id },
      recipient: { id: message.to_id },
      timestamp: Date.parse(message.at),
      message: {
        mid: message.id,
        ...(message.attachments ? { attachments: message.attachments.map((a) => ({ type: a.type, payload: { url: a.url } })) } : { text: message.text }),
        ...(echo ? { is_echo: true } : {}),
      },
    };
  }

  /** The Instagram messaging webhook body for a message (echo: sent by the business account). */
  messageBody(message: Message, echo: boolean): object {
    return this.messagingBody(echo ? message.from_id : message.to_id, this.messageEvent(message, echo));
  }

  /** `message_reactions`: `reaction:{mid, action, reaction, emoji}`; an unreact carries only `mid` and `action`. */
  reactionEvent(from: string, business: string, mid: string, react: { reaction: IgReaction; emoji: string } | null): MessagingEvent {
    return {
      sender: { id: from },
      recipient: { id: business },
      timestamp: Date.now(),
      reaction: react ? { mid, action: 'react', reaction: react.reaction, emoji: react.emoji } : { mid, action: 'unreact' },
    };
  }

  /** `messaging_seen`: `read:{mid}`, the message the sender has read. */
  readEvent(from: string, business: string, mid: string): MessagingEvent {
    return { sender: { id: from }, recipient: { id: business }, timestamp: Date.now(), read: { mid } };
  }

  /** `messages`, unsent: `message:{mid, is_deleted:true}`. */
  unsendEvent(from: string, business: string, mid: string): MessagingEvent {
    return { sender: { id: from }, recipient: { id: business }, timestamp: Date.now(), message: { mid, is_deleted: true } };
  }

  /** `message_edit`: `message_edit:{mid, text, num_edit}`. */
  editEvent(from: string, business: string, mid: string, text: string, numEdit: number): MessagingEvent {
    return { sender: { id: from }, recipient: { id: business }, timestamp: Date.now(), message_edit: { mid, text, num_edit: numEdit } };
  }

  commentBody(comment: Comment): object {
    const post = this.world.data.posts.find((p) => p.id === comment.post_id)!;
    const from = this.world.data.accounts.find((a) => a.id === comment.account_id)!;
    return {
      object: 'instagram',
      entry: [
        {
          time: Math.floor(Date.parse(comment.created_at) / 1000),
          id: post.account_id,
          changes: [
            {
              field: 'comments',
              value: {
                id: comment.id,
                text: comment.text,
                from: { id: from.id, username: from.handle },
                media: { id: post.id, media_product_type: 'FEED' },
                ...(comment.parent_id ? { parent_id: comment.parent_id } : {}),
              },
            },
          ],
        },
      ],
    };
  }

  /**
   * Delivers one event `1 + duplicates` times (same bytes, as Meta's at-least-once delivery does).
   * Resolves after each copy's first attempt; retries continue in the background. With webhook
   * faults on, the copies are queued instead (`queued`) and leave later, in flushes.
   */
  async deliver(kind: DeliveryKind, payload: object, duplicates = 0): Promise<{ deliveries: Delivery[]; queued: WebhookEvent[] }> {
    const sub = this.subscription;
    if (!sub) return { deliveries: [], queued: [] };
    if (webhookFaultsOn(this.faults)) return { deliveries: [], queued: this.enqueue(kind, payload, 1 + duplicates) };
    const body = metaJson(payload);
    const out: Delivery[] = [];
    for (let i = 0; i <= duplicates; i++) {
      this.serial += 1;
      const delivery: Delivery = { id: `dlv_${Date.now().toString(36)}_${this.serial}`, kind, body, attempts: [], state: 'pending' };
      this.world.data.deliveries.push(delivery);
      out.push(delivery);
      await this.attempt(delivery, sub);
    }
    await this.world.state.save();
    return { deliveries: out, queued: [] };
  }

  private async attempt(delivery: Delivery, sub: WebhookSubscription): Promise<void> {
    if (this.closing.signal.aborted) return;
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(sub.callback_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': metaSignature(sub.app_secret, delivery.body),
          'x-hub-signature': `sha1=${createHmac('sha1', sub.app_secret).update(delivery.body, 'utf8').digest('hex')}`,
        },
        body: delivery.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.closing.signal]),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch (e) {
      error = (e as Error).message;
    }
    delivery.attempts.push({ at: new Date().toISOString(), status, ...(error ? { error } : {}) });
    if (status !== null && status >= 200 && status < 300) {
      delivery.state = 'delivered';
    } else if (delivery.attempts.length >= this.options.maxAttempts) {
      delivery.state = 'failed';
    } else {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.attempt(delivery, sub).then(() => this.world.state.save()).catch(() => undefined);
      }, this.options.baseMs * 2 ** (delivery.attempts.length - 1));
      this.timers.add(timer);
    }
  }

  close(): void {
    this.closing.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
