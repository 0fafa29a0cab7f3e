import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { lagKey } from '../lag.js';
import type { Account, Message } from '../types.js';
import { describeIssues, parseInput } from '../validation.js';
import { GraphFailure, graphError, invalidParam, notFound, sendGraphError } from './graph-errors.js';
import { parseFields, select, type FieldSpec, type GraphNode } from './graph-fields.js';
import type { graphNodes } from './graph-nodes.js';
import { pagedAnswer, pageOf } from './graph-paging.js';

/**
 * "Get Conversations" (Instagram API with Instagram Login, conversations-api; Messenger Platform
 * "Conversations API"): "You can only get details about the 20 most recent messages in the
 * conversation" — an older message answers an error, as a message you cannot see does. The
 * sandbox keeps that limit on every read: the product has to live with it.
 */
export const RECENT_MESSAGES = 20;

/** What the Graph router lends the messaging reads: auth (usage header counted), the read fault gate, the nodes. */
export interface MessagingDeps {
  auth(req: Request, res: Response): Account | undefined;
  owner(req: Request, res: Response): Account | undefined;
  /** The fault gate of a read (rate limits, latency, 5xx): true when it answered. */
  read(me: Account, res: Response): Promise<boolean>;
  nodes: ReturnType<typeof graphNodes>;
}

const conversationsQuery = z.looseObject({
  // On graph.instagram.com `platform` may be left out; the Messenger Platform host requires it. Only Instagram lives here.
  platform: z.literal('instagram', { message: 'platform must be instagram' }).optional(),
  user_id: z.string().regex(/^\d+$/, 'must be an Instagram-scoped user id (IGSID)').optional(),
});

function parseQuery<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) throw new GraphFailure(invalidParam(describeIssues(parsed.issues)));
  return parsed.value;
}

/** Conversation ids look like Meta's (base64 of an `ig_d:` thread key); the sandbox's encode the two participants. */
const THREAD = /^ig_d:1:IGMessageThread:(\d+):(\d+)$/;
const conversationId = (me: Account, peer: Account) => Buffer.from(`ig_d:1:IGMessageThread:${me.id}:${peer.id}`).toString('base64url');

export function graphMessaging(ctx: SandboxContext, deps: MessagingDeps) {
  const { world, state } = ctx;
  const { nodes } = deps;
  // Messages are stored in the order they were sent.
  const newestFirst = (list: Message[]) => [...list].reverse();
  const person = (a: Account | undefined, id: string) => ({ username: a?.handle, id });

  /**
   * A message by id. "Get information about a message": `GET /<MESSAGE_ID>?fields=id,created_time,from,to,message`
   * → `{id, created_time, from:{username,id}, to:{data:[{username,id}]}, message}`.
   */
  const message = (m: Message): GraphNode => ({
    id: () => m.id,
    created_time: () => nodes.graphTime(m.at),
    from: () => person(state.account('instagram', m.from_id), m.from_id),
    to: () => ({ data: [person(state.account('instagram', m.to_id), m.to_id)] }),
    message: () => m.text,
  });
  // Listed messages carry `id, created_time` unless fields= asks ("Get a list of messages": {id, created_time}).
  const listed = (m: Message, sub?: FieldSpec[]) => select('IGMessage', message(m), sub, ['id', 'created_time']);

  /** The 20 most recent messages of a conversation as a listing surface sees them, newest first. */
  const recent = (me: Account, peer: Account) => newestFirst(world.conversation(me, peer, 'thread')).slice(0, RECENT_MESSAGES);

  /**
   * A conversation. "Get a list of conversations": `{data:[{id, updated_time}]}`; "Get a list of
   * messages in a conversation": `GET /<CONVERSATION_ID>?fields=messages` → `{messages:{data:[{id,
   * created_time}]}, id}`; `participants` as the Messenger Platform's conversation node documents it.
   * Graph datetimes are ISO 8601 with +0000, like every other Graph timestamp here.
   */
  const conversation = (me: Account, peer: Account): GraphNode => ({
    id: () => conversationId(me, peer),
    updated_time: () => {
      const last = newestFirst(world.conversation(me, peer, 'inbox'))[0];
      return last ? nodes.graphTime(last.at) : undefined;
    },
    participants: () => ({ data: [person(peer, peer.id), person(me, me.id)] }),
    messages: (sub) => ({ data: recent(me, peer).map((m) => listed(m, sub)) }),
  });

  /** A conversation id of the caller's, else undefined. */
  const findConversation = (me: Account, id: string): Account | undefined => {
    const m = THREAD.exec(Buffer.from(id, 'base64url').toString('latin1'));
    if (!m || m[1] !== me.id) return undefined;
    const peer = state.account('instagram', m[2]!);
    return peer && world.conversation(me, peer, 'inbox').length ? peer : undefined;
  };

  /**
   * By id, per the lag settings: messages have no own by-id window (sandbox/lag.ts), so a message
   * shows by id once it is listed on its first listing surface (`byIdFirst`, the default) or only
   * once it is listed on every one (inbox and thread).
   */
  const showsById = (m: Message) => {
    const key = lagKey.message(m.id);
    const on = [world.shows('inbox', key), world.shows('thread', key)];
    return world.lag.config.byIdFirst ? on.some(Boolean) : on.every(Boolean);
  };

  /**
   * `GET /{message-id}`: a message the caller sent or received, among its conversation's 20 most
   * recent, visible by id. Anything else (another account's message, an older one, one not shown
   * yet) is the error of an object the caller cannot load: 100 / 33.
   */
  const findMessage = (me: Account, id: string): Message | 'refused' | undefined => {
    const m = world.data.messages.find((x) => x.platform === 'instagram' && x.id === id);
    if (!m) return undefined;
    if (m.from_id !== me.id && m.to_id !== me.id) return 'refused';
    const peer = state.account('instagram', m.from_id === me.id ? m.to_id : m.from_id);
    const newest = peer ? newestFirst(world.conversation(me, peer)).slice(0, RECENT_MESSAGES) : [];
    return newest.some((x) => x.id === id) && showsById(m) ? m : 'refused';
  };

  /** The GET /{id} answers of messaging objects: true when it answered. */
  function byId(me: Account, id: string, fields: FieldSpec[] | undefined, res: Response): boolean {
    const m = findMessage(me, id);
    if (m === 'refused') {
      sendGraphError(res, notFound(id));
      return true;
    }
    if (m) {
      res.json(select('IGMessage', message(m), fields, ['id', 'created_time']));
      return true;
    }
    const peer = findConversation(me, id);
    if (!peer) return false;
    res.json(select('IGConversation', conversation(me, peer), fields, ['id']));
    return true;
  }

  /**
   * The User Profile API: `GET /{IGSID}?fields=name,username,profile_pic,…` for a person who
   * messaged the caller (that is the consent; a commenter who never wrote answers Meta's
   * "User consent is required to access user profile", code 230). The picture is an opaque CDN
   * path, never one that names the account.
   */
  function profile(me: Account, user: Account, fields: FieldSpec[] | undefined, res: Response): void {
    const consented = world.data.messages.some((m) => m.platform === 'instagram' && m.from_id === user.id && m.to_id === me.id);
    if (!consented) return graphError(res, 400, 230, 'User consent is required to access user profile');
    const node: GraphNode = {
      id: () => user.id,
      name: () => user.display_name,
      username: () => user.handle,
      profile_pic: () => `https://scontent.cdninstagram.sandbox/v/t51.2885-19/${Buffer.from(`pp:${me.id}:${user.id}`).toString('base64url')}.jpg`,
      is_verified_user: () => false,
      follower_count: () => 0,
      is_user_follow_business: () => false,
      is_business_follow_user: () => false,
    };
    res.json(select('IGUserProfile', node, fields, ['name', 'username', 'profile_pic']));
  }

  function routes(router: Router): void {
    /**
     * `GET /{ig-user-id}/conversations?platform=instagram[&user_id=<IGSID>]` → `{data:[{id, updated_time}]}`,
     * newest first; with `user_id` only the conversation with that person ("Find a conversation
     * with a specific person"), `{data:[]}` when there is none. Listed once a message shows in the inbox.
     */
    router.get('/:id/conversations', async (req, res) => {
      const me = deps.owner(req, res);
      if (!me || (await deps.read(me, res))) return;
      const q = parseQuery(conversationsQuery, req.query);
      const fields = parseFields(req.query.fields);
      const data = world
        .threads(me, 'inbox')
        .filter((t) => !q.user_id || t.peer.id === q.user_id)
        .map((t) => select('IGConversation', conversation(me, t.peer), fields, ['id', 'updated_time']));
      res.json({ data });
    });

    /** `GET /{conversation-id}/messages` (Messenger Platform "/{conversation-id}/messages"): the 20 most recent, newest first. */
    router.get('/:id/messages', async (req, res) => {
      const me = deps.auth(req, res);
      if (!me || (await deps.read(me, res))) return;
      const id = String(req.params.id);
      const peer = findConversation(me, id);
      if (!peer) return sendGraphError(res, notFound(id));
      const fields = parseFields(req.query.fields);
      res.json({ data: recent(me, peer).map((m) => listed(m, fields)) });
    });

    /**
     * "IG Comment Replies": `GET /{ig-comment-id}/replies` → `{data:[IG Comment…]}` with cursor paging
     * as "Paginated Results" documents it; `fields=id,text,timestamp,username` (default `id,text,timestamp`,
     * the fields of Comment Moderation's sample). "You cannot get replies to a comment that has been
     * deleted." Meta documents no order; the sandbox lists newest first. New replies show after their
     * `comments` lag, the parent by id after its `api_get` lag.
     */
    router.get('/:id/replies', async (req, res) => {
      const me = deps.auth(req, res);
      if (!me || (await deps.read(me, res))) return;
      const id = String(req.params.id);
      const parent = world.data.comments.find((c) => c.id === id && c.platform === 'instagram' && world.shows('api_get', lagKey.comment(c.id)));
      const post = parent ? world.post('instagram', parent.post_id) : undefined;
      if (!parent || !post || post.account_id !== me.id) return sendGraphError(res, notFound(id));
      const fields = parseFields(req.query.fields);
      const query = req.query as Record<string, unknown>;
      const items = world.commentsOf(post.id, parent.id, 'comments').sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : Number(BigInt(b.id) - BigInt(a.id))));
      const page = pageOf(items, query);
      const data = page.data.map((c) => select('IGComment', nodes.comment(c), fields, ['id', 'text', 'timestamp']));
      const base = `${world.urls.instagram}/${String((req.params as Record<string, string>).version)}/${id}/replies`;
      res.json(pagedAnswer(base, query, page, data));
    });
  }

  return { byId, profile, routes };
}
