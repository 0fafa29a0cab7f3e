import { HttpClient, type HttpClientOptions, type HttpResponse, type TokenSecret } from '../http.js';
import { graphErrorOf, kindOf, toKernelError, traceIdOf, type GraphError, type GraphErrorKind } from './errors.js';

export interface GraphClientOptions extends Omit<HttpClientOptions, 'baseUrl'> {
  /** `https://graph.instagram.com` (Instagram Login) or `https://graph.facebook.com`, or the sandbox's origin. */
  baseUrl: string;
  /** @default v21.0 */
  version?: string;
}

/** One Graph answer: the parsed body, the request id, and the error (with its kind) when there is one. */
export interface GraphAnswer<T> {
  status: number;
  data?: T;
  error?: GraphError & { kind: GraphErrorKind };
  traceId?: string;
  res: HttpResponse;
}

export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';

export interface MediaItem {
  id: string;
  caption?: string;
  permalink?: string;
  timestamp?: string;
  /** IMAGE, VIDEO or CAROUSEL_ALBUM. */
  media_type?: string;
  /** FEED or REELS. */
  media_product_type?: string;
  /** The author's username (IG Media `username`): whose post it is. */
  username?: string;
}

/** An IG Comment (a reply is a comment whose `parent_id` is the comment it answers). */
export interface CommentItem {
  id: string;
  text?: string;
  username?: string;
  timestamp?: string;
  parent_id?: string;
  /** Who wrote it (IG Comment `from`: the commenter's app-scoped id and username). */
  from?: { id?: string; username?: string };
}

/** One message of an Instagram conversation ("Conversations API"). */
export interface MessageItem {
  id: string;
  message?: string;
  created_time?: string;
  from?: { id?: string; username?: string };
  to?: { data?: { id?: string; username?: string }[] };
}

type Paged<T> = { data: T[]; paging?: { cursors?: { before?: string; after?: string }; next?: string } };

/**
 * Instagram Graph API calls of the API lane (content publishing, media, comments, messaging),
 * speaking Meta's documented wire format against any base URL. Every call returns its answer
 * with the error classified (errors.ts); callers decide, `raise()` maps onto the kernel's errors.
 */
export class GraphClient {
  readonly http: HttpClient;
  private readonly version: string;

  constructor(options: GraphClientOptions) {
    this.http = new HttpClient(options);
    this.version = options.version ?? 'v21.0';
  }

  private async call<T>(token: TokenSecret, req: { method: 'GET' | 'POST' | 'DELETE'; path: string; query?: Record<string, string | number | undefined>; form?: Record<string, string | number | boolean | undefined>; json?: unknown; write: boolean; signal?: AbortSignal }): Promise<GraphAnswer<T>> {
    const res = await this.http.request({ method: req.method, path: `/${this.version}${req.path}`, query: req.query, form: req.form, json: req.json, token, mutating: req.write, signal: req.signal });
    const traceId = traceIdOf(res);
    const e = graphErrorOf(res);
    if (e) return { status: res.status, error: { ...e, kind: kindOf(e, res.status) }, res, ...(traceId ? { traceId } : {}) };
    return { status: res.status, data: res.body as T, res, ...(traceId ? { traceId } : {}) };
  }

  /** The answer's data, or the kernel's error for its failure. */
  raise<T>(answer: GraphAnswer<T>, write: boolean): T {
    if (answer.error) throw toKernelError(answer.res, answer.error, { write });
    return answer.data as T;
  }

  me(token: TokenSecret, signal?: AbortSignal) {
    return this.call<{ id: string; username: string; user_id?: string }>(token, { method: 'GET', path: '/me', query: { fields: 'id,username,user_id' }, write: false, signal });
  }

  publishingLimit(token: TokenSecret, userId: string, signal?: AbortSignal) {
    return this.call<{ data: { quota_usage: number; config?: { quota_total: number; quota_duration: number } }[] }>(token, {
      method: 'GET', path: `/${userId}/content_publishing_limit`, query: { fields: 'quota_usage,config' }, write: false, signal,
    });
  }

  /** A container (not visible to anyone until published): image, carousel item, carousel or reel. */
  createContainer(token: TokenSecret, userId: string, form: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) {
    return this.call<{ id: string }>(token, { method: 'POST', path: `/${userId}/media`, form, write: false, signal });
  }

  containerStatus(token: TokenSecret, containerId: string, signal?: AbortSignal) {
    return this.call<{ id: string; status_code: ContainerStatus; status?: string }>(token, {
      method: 'GET', path: `/${containerId}`, query: { fields: 'status_code,status' }, write: false, signal,
    });
  }

  /** The commit: makes the container a public post. */
  publish(token: TokenSecret, userId: string, containerId: string, signal?: AbortSignal) {
    return this.call<{ id: string }>(token, { method: 'POST', path: `/${userId}/media_publish`, form: { creation_id: containerId }, write: true, signal });
  }

  media(token: TokenSecret, mediaId: string, signal?: AbortSignal) {
    return this.call<MediaItem>(token, { method: 'GET', path: `/${mediaId}`, query: { fields: 'id,caption,permalink,timestamp,media_type,media_product_type,username' }, write: false, signal });
  }

  /** One page of the account's media, newest first; `after` is the previous page's cursor. */
  recentMedia(token: TokenSecret, userId: string, options: { limit?: number; after?: string; signal?: AbortSignal } = {}) {
    return this.call<Paged<MediaItem>>(token, {
      method: 'GET', path: `/${userId}/media`, query: { fields: 'id,caption,permalink,timestamp,media_type,media_product_type', limit: options.limit ?? 25, after: options.after }, write: false, signal: options.signal,
    });
  }

  /** An IG Comment by id (a reply too): `GET /{ig-comment-id}`. */
  comment(token: TokenSecret, commentId: string, signal?: AbortSignal) {
    return this.call<CommentItem>(token, { method: 'GET', path: `/${commentId}`, query: { fields: 'id,text,username,timestamp,parent_id' }, write: false, signal });
  }

  /**
   * One page of a media's top-level comments, newest first: `GET /{ig-media-id}/comments?fields=
   * id,text,timestamp,username,from` (the engage loop's read-only poll when webhooks are missing).
   */
  comments(token: TokenSecret, mediaId: string, options: { limit?: number; after?: string; signal?: AbortSignal } = {}) {
    return this.call<Paged<CommentItem>>(token, {
      method: 'GET', path: `/${mediaId}/comments`, query: { fields: 'id,text,timestamp,username,from', limit: options.limit, after: options.after }, write: false, signal: options.signal,
    });
  }

  /**
   * The User Profile API: `GET /{IGSID}?fields=name,username` for a person who messaged the
   * account (their message is the consent; otherwise Meta answers code 230).
   */
  userProfile(token: TokenSecret, igsid: string, signal?: AbortSignal) {
    return this.call<{ id?: string; name?: string; username?: string }>(token, { method: 'GET', path: `/${igsid}`, query: { fields: 'name,username' }, write: false, signal });
  }

  /** "IG Comment Replies": `POST /{ig-comment-id}/replies` with `message` → `{id}` of the new reply. */
  reply(token: TokenSecret, commentId: string, message: string, signal?: AbortSignal) {
    return this.call<{ id: string }>(token, { method: 'POST', path: `/${commentId}/replies`, form: { message }, write: true, signal });
  }

  /**
   * One page of the replies to a comment: `GET /{ig-comment-id}/replies?fields=id,text,timestamp,username`
   * with cursor paging ("Paginated Results"); `after` is the previous page's `paging.cursors.after`.
   */
  replies(token: TokenSecret, commentId: string, options: { limit?: number; after?: string; signal?: AbortSignal } = {}) {
    return this.call<Paged<CommentItem>>(token, {
      method: 'GET', path: `/${commentId}/replies`, query: { fields: 'id,text,timestamp,username', limit: options.limit, after: options.after }, write: false, signal: options.signal,
    });
  }

  /**
   * Instagram Messaging "Send API": `POST /{ig-user-id}/messages` with a JSON body
   * `{recipient:{id}, message:{text}}` → `{recipient_id, message_id}`. Only within 24 h of the
   * recipient's last message (else 10/2534022).
   */
  sendMessage(token: TokenSecret, userId: string, recipientId: string, text: string, signal?: AbortSignal) {
    return this.call<{ recipient_id: string; message_id: string }>(token, { method: 'POST', path: `/${userId}/messages`, json: { recipient: { id: recipientId }, message: { text } }, write: true, signal });
  }

  /**
   * Instagram "Private Replies": `POST /{ig-user-id}/messages` with `{recipient:{comment_id}, message:{text}}`
   * → `{recipient_id, message_id}`: one message to the author of a comment on the account's own
   * media, once per comment, within 7 days of the comment.
   */
  sendPrivateReply(token: TokenSecret, userId: string, commentId: string, text: string, signal?: AbortSignal) {
    return this.call<{ recipient_id: string; message_id: string }>(token, { method: 'POST', path: `/${userId}/messages`, json: { recipient: { comment_id: commentId }, message: { text } }, write: true, signal });
  }

  /**
   * "Conversations API", message details: `GET /{message-id}?fields=id,created_time,from,to,message`
   * → `{id, created_time, from:{username,id}, to:{data:[{username,id}]}, message}`. Meta answers only
   * for the 20 most recent messages of a conversation; an older one is an error, like a missing one.
   */
  message(token: TokenSecret, messageId: string, signal?: AbortSignal) {
    return this.call<MessageItem>(token, { method: 'GET', path: `/${messageId}`, query: { fields: 'id,created_time,from,to,message' }, write: false, signal });
  }

  /**
   * "Conversations API": the conversation with one user (`GET /{ig-user-id}/conversations?platform=instagram&user_id=<IGSID>`
   * → `{data:[{id, updated_time}]}`), its messages expanded with Graph's field expansion in the same
   * call (`messages{…}`: the 20 most recent, newest first).
   */
  conversationWith(token: TokenSecret, userId: string, participantId: string, signal?: AbortSignal) {
    return this.call<{ data: { id: string; messages?: { data: MessageItem[] } }[] }>(token, {
      method: 'GET', path: `/${userId}/conversations`, query: { platform: 'instagram', user_id: participantId, fields: 'messages{id,created_time,from,to,message}' }, write: false, signal,
    });
  }

  deleteMedia(token: TokenSecret, mediaId: string, signal?: AbortSignal) {
    return this.call<{ success: boolean }>(token, { method: 'DELETE', path: `/${mediaId}`, write: true, signal });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
