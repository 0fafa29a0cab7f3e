import { createHmac, randomBytes } from 'node:crypto';
import type { World } from './world.js';
import type { Comment, Delivery, Message, WebhookSubscription } from './types.js';

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

/** `X-Hub-Signature-256` value Meta sends: HMAC-SHA256 of the raw body keyed with the app secret. */
export function metaSignature(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;
}

/** Meta-format webhooks: GET handshake on subscription, signed POSTs, bounded retries with backoff. */
export class Webhooks {
  private timers = new Set<NodeJS.Timeout>();
  private closing = new AbortController();
  private serial = 0;

  constructor(private readonly world: World, private readonly options: WebhookOptions) {}

  get subscription(): WebhookSubscription | null {
    return this.world.data.webhook;
  }

  async subscribe(input: { callback_url: string; verify_token: string; app_secret: string; echoes?: boolean }): Promise<WebhookSubscription> {
    const url = new URL(input.callback_url);
    if (!LOOPBACK.has(url.hostname)) throw new WebhookSubscribeError('callback_url must be on loopback (127.0.0.1 or localhost): the sandbox never leaves the machine');
    const challenge = randomBytes(12).toString('hex');
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
    if (body.trim() !== challenge) throw new WebhookSubscribeError('callback did not echo hub.challenge');
    const sub: WebhookSubscription = {
      callback_url: input.callback_url,
      verify_token: input.verify_token,
      app_secret: input.app_secret,
      echoes: input.echoes ?? false,
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

  /** The Instagram messaging webhook body for a message (echo: sent by the business account). */
  messageBody(message: Message, echo: boolean): object {
    const business = echo ? message.from_id : message.to_id;
    const ts = Date.parse(message.at);
    return {
      object: 'instagram',
      entry: [
        {
          time: ts,
          id: business,
          messaging: [
            {
              sender: { id: message.from_id },
              recipient: { id: message.to_id },
              timestamp: ts,
              message: { mid: message.id, text: message.text, ...(echo ? { is_echo: true } : {}) },
            },
          ],
        },
      ],
    };
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
   * Resolves after each copy's first attempt; retries continue in the background.
   */
  async deliver(kind: Delivery['kind'], payload: object, duplicates = 0): Promise<Delivery[]> {
    const sub = this.subscription;
    if (!sub) return [];
    const body = JSON.stringify(payload);
    const out: Delivery[] = [];
    for (let i = 0; i <= duplicates; i++) {
      this.serial += 1;
      const delivery: Delivery = { id: `dlv_${Date.now().toString(36)}_${this.serial}`, kind, body, attempts: [], state: 'pending' };
      this.world.data.deliveries.push(delivery);
      out.push(delivery);
      await this.attempt(delivery, sub);
    }
    await this.world.state.save();
    return out;
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
