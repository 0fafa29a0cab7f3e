import type { TokenSecret } from '../http.js';
import type { GraphAnswer, GraphClient } from './client.js';
import type { GraphThrottle } from './throttle.js';

/**
 * The Graph API as one Instagram account sees it: its token, its user id, the episode's signal.
 * Every call goes through the app's throttle first (nothing is sent while a request limit holds
 * the account or the app) and its answer is noted there (Meta's limits, its usage header).
 */
export class GraphAccount {
  constructor(
    private readonly g: GraphClient,
    private readonly token: TokenSecret,
    readonly userId: string,
    private readonly throttle: GraphThrottle,
    private readonly signal?: AbortSignal,
  ) {}

  private async send<T>(what: string, call: () => Promise<GraphAnswer<T>>): Promise<GraphAnswer<T>> {
    this.throttle.guard(this.userId, what);
    const answer = await call();
    this.throttle.note(this.userId, answer);
    return answer;
  }

  /** The answer's data, or the kernel's error for its failure (`write`: the request could change the platform). */
  raise<T>(answer: GraphAnswer<T>, write: boolean): T {
    return this.g.raise(answer, write);
  }

  me() {
    return this.send('GET /me', () => this.g.me(this.token, this.signal));
  }

  publishingLimit() {
    return this.send('GET content_publishing_limit', () => this.g.publishingLimit(this.token, this.userId, this.signal));
  }

  createContainer(form: Record<string, string | number | boolean | undefined>) {
    return this.send('POST /media', () => this.g.createContainer(this.token, this.userId, form, this.signal));
  }

  containerStatus(containerId: string) {
    return this.send('GET container', () => this.g.containerStatus(this.token, containerId, this.signal));
  }

  publish(containerId: string) {
    return this.send('POST /media_publish', () => this.g.publish(this.token, this.userId, containerId, this.signal));
  }

  media(mediaId: string) {
    return this.send('GET media', () => this.g.media(this.token, mediaId, this.signal));
  }

  recentMedia(options: { limit?: number; after?: string } = {}) {
    return this.send('GET /media', () => this.g.recentMedia(this.token, this.userId, { ...options, ...(this.signal ? { signal: this.signal } : {}) }));
  }

  deleteMedia(mediaId: string) {
    return this.send('DELETE media', () => this.g.deleteMedia(this.token, mediaId, this.signal));
  }

  comment(commentId: string) {
    return this.send('GET comment', () => this.g.comment(this.token, commentId, this.signal));
  }

  reply(commentId: string, message: string) {
    return this.send('POST /replies', () => this.g.reply(this.token, commentId, message, this.signal));
  }

  /** One page of a comment's replies; `after` is the previous page's cursor. */
  userProfile(igsid: string) {
    return this.send('GET profile', () => this.g.userProfile(this.token, igsid, this.signal));
  }

  comments(mediaId: string, options: { limit?: number; after?: string } = {}) {
    return this.send('GET /comments', () => this.g.comments(this.token, mediaId, { ...options, ...(this.signal ? { signal: this.signal } : {}) }));
  }

  replies(commentId: string, options: { limit?: number; after?: string } = {}) {
    return this.send('GET /replies', () => this.g.replies(this.token, commentId, { ...options, ...(this.signal ? { signal: this.signal } : {}) }));
  }

  sendMessage(recipientId: string, text: string) {
    return this.send('POST /messages', () => this.g.sendMessage(this.token, this.userId, recipientId, text, this.signal));
  }

  privateReply(commentId: string, text: string) {
    return this.send('POST /messages', () => this.g.sendPrivateReply(this.token, this.userId, commentId, text, this.signal));
  }

  message(messageId: string) {
    return this.send('GET message', () => this.g.message(this.token, messageId, this.signal));
  }

  conversationWith(participantId: string) {
    return this.send('GET /conversations', () => this.g.conversationWith(this.token, this.userId, participantId, this.signal));
  }
}
