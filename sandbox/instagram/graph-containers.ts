import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { imageExtension, placeholderPng } from '../images.js';
import { deriveSeed, mulberry32 } from '../rng.js';
import type { Account, Container, ContainerStatus, PostChild } from '../types.js';
import { describeIssues, parseInput } from '../validation.js';
import { sha256hex, type PostShape } from '../world.js';
import { FAILURES, GraphFailure, IG_ERRORS, invalidParam } from './graph-errors.js';

/*
 * Containers as "IG User Media" (POST /{ig-user-id}/media) and "IG Container" document them
 * (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
 * .../reference/ig-container): IMAGE (image_url), carousel items (is_carousel_item=true, IMAGE or
 * VIDEO), CAROUSEL (children: 2–10 item container ids), REELS (video_url, share_to_feed).
 * status_code: IN_PROGRESS, FINISHED, ERROR, EXPIRED (not published within 24 hours), PUBLISHED.
 */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Graph takes booleans as "true"/"false" in query strings and forms. */
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const caption = z.string().max(2200).optional();
/** `children` as a comma-separated list, a JSON array string, or a JSON array. */
const childrenList = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (s.startsWith('[')) {
    try {
      return JSON.parse(s);
    } catch {
      return v;
    }
  }
  return s.split(',').map((id) => id.trim());
}, z.array(z.coerce.string().regex(/^\d+$/, 'must be container ids')));

const imageSchema = z.object({ image_url: z.url(), caption, is_carousel_item: bool.optional() });
const videoItemSchema = z.object({ video_url: z.url(), is_carousel_item: bool.optional() });
const carouselSchema = z.object({ children: childrenList, caption });
const reelsSchema = z.object({
  video_url: z.url(),
  caption,
  // "share_to_feed: For Reels only. When true, the reel can appear in both the Feed and Reels tabs."
  share_to_feed: bool.default(true),
  cover_url: z.url().optional(),
  thumb_offset: z.coerce.number().int().min(0).optional(),
});

const STATUS_TEXT: Record<Exclude<ContainerStatus, 'ERROR'>, string> = {
  IN_PROGRESS: 'In Progress: Media is still being processed.',
  FINISHED: 'Finished: Media has been uploaded and it is ready to be published.',
  EXPIRED: 'Expired: The container was not published within 24 hours and has expired.',
  PUBLISHED: 'Published: Media has been published.',
};

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) throw new GraphFailure(invalidParam(describeIssues(parsed.issues)));
  return parsed.value;
}

/** MP4 and MOV carry an ISO base media `ftyp` box first. */
const isVideo = (bytes: Buffer) => bytes.subarray(4, 8).toString('latin1') === 'ftyp';

export class Containers {
  constructor(private readonly ctx: SandboxContext) {}

  private get all(): Container[] {
    return this.ctx.world.data.containers;
  }

  find(account: Account, id: string): Container | undefined {
    return this.all.find((c) => c.id === id && c.account_id === account.id);
  }

  /**
   * Creates a container from the request's parameters; throws GraphFailure on bad input.
   * `stuck` (the container_stuck fault) is asked only once the input is valid.
   */
  create(me: Account, params: Record<string, unknown>, stuck: () => boolean): Container {
    const c = this.build(me, params);
    c.id = this.ctx.state.nextId('17800', 12);
    c.stuck = stuck();
    if (c.media_type === 'VIDEO' || c.media_type === 'REELS') c.ready_at += this.videoDelay(c.id);
    this.all.push(c);
    return c;
  }

  private build(me: Account, params: Record<string, unknown>): Container {
    const { options } = this.ctx;
    const kind = params.media_type === undefined ? 'IMAGE' : String(params.media_type);
    const now = Date.now();
    const base = { id: '', account_id: me.id, created_at: new Date(now).toISOString(), stuck: false };
    let c: Container;
    if (kind === 'IMAGE') {
      const v = parse(imageSchema, params);
      c = { ...base, image_url: v.image_url, caption: v.is_carousel_item ? '' : (v.caption ?? ''), ready_at: now + options.containerDelayMs, ...(v.is_carousel_item ? { is_carousel_item: true } : {}) };
    } else if (kind === 'VIDEO') {
      // VIDEO is only a carousel item since REELS replaced feed videos (Graph changelog, June 28 2022).
      const v = parse(videoItemSchema, params);
      if (!v.is_carousel_item) throw new GraphFailure(invalidParam('media_type: VIDEO is only for carousel items (is_carousel_item=true); publish videos as REELS'));
      c = { ...base, media_type: 'VIDEO', video_url: v.video_url, caption: '', is_carousel_item: true, ready_at: now };
    } else if (kind === 'CAROUSEL') {
      if (params.is_carousel_item !== undefined) throw new GraphFailure(invalidParam('is_carousel_item: a CAROUSEL cannot be a carousel item'));
      const v = parse(carouselSchema, params);
      if (v.children.length < 2 || v.children.length > 10) throw new GraphFailure(IG_ERRORS.carouselSize());
      for (const id of v.children) {
        const child = this.find(me, id);
        if (!child) throw new GraphFailure(IG_ERRORS.builderGone(id));
        if (!child.is_carousel_item) throw new GraphFailure(invalidParam(`children: container ${id} was not created with is_carousel_item=true`));
        if (child.media_id) throw new GraphFailure(invalidParam(`children: container ${id} has already been published`));
      }
      c = { ...base, media_type: 'CAROUSEL', children: v.children, caption: v.caption ?? '', ready_at: now + options.containerDelayMs };
    } else if (kind === 'REELS') {
      if (params.is_carousel_item !== undefined) throw new GraphFailure(invalidParam('is_carousel_item: carousel video items take media_type=VIDEO, not REELS'));
      const v = parse(reelsSchema, params);
      c = { ...base, media_type: 'REELS', video_url: v.video_url, caption: v.caption ?? '', share_to_feed: v.share_to_feed, ready_at: now };
    } else {
      throw new GraphFailure(IG_ERRORS.unknownMediaType(kind));
    }
    return c;
  }

  /** Video processing takes seconds: reelDelayMs plus a draw, seeded by the sandbox seed and the container id, of up to half of it. */
  private videoDelay(id: string): number {
    const ms = this.ctx.options.reelDelayMs;
    return Math.round(ms * (1 + 0.5 * mulberry32(deriveSeed(this.ctx.faults.sandboxSeed, 'reel', id))()));
  }

  status(c: Container): { code: ContainerStatus; subcode?: number } {
    if (c.media_id) return { code: 'PUBLISHED' };
    if (c.error) return { code: 'ERROR', subcode: c.error_subcode ?? 2207001 };
    if (Date.now() - Date.parse(c.created_at) > this.ctx.options.containerTtlMs) return { code: 'EXPIRED' };
    if (c.children) {
      // A carousel fails with its first failed item and is ready once every item is.
      const kids = c.children.map((id) => this.all.find((k) => k.id === id));
      let waiting = c.stuck || Date.now() < c.ready_at;
      for (const kid of kids) {
        const s = kid ? this.status(kid) : { code: 'EXPIRED' as const };
        if (s.code === 'ERROR') return { code: 'ERROR', subcode: s.subcode };
        if (s.code === 'EXPIRED') return { code: 'ERROR', subcode: 2207020 };
        if (s.code === 'PUBLISHED') return { code: 'ERROR', subcode: 2207001 };
        if (s.code === 'IN_PROGRESS') waiting = true;
      }
      return { code: waiting ? 'IN_PROGRESS' : 'FINISHED' };
    }
    if (c.stuck || !c.media || Date.now() < c.ready_at) return { code: 'IN_PROGRESS' };
    return { code: 'FINISHED' };
  }

  /** `status` text beside `status_code`; ERROR names the error's subcode, as Graph does. */
  statusText(s: { code: ContainerStatus; subcode?: number }): string {
    return s.code === 'ERROR' ? `Error: Media upload has failed with error code ${s.subcode}` : STATUS_TEXT[s.code];
  }

  /** Fetches the container's media like Graph does (loopback only; other hosts get a placeholder); failures show as ERROR. */
  async ingest(c: Container): Promise<void> {
    const { state } = this.ctx;
    if (c.children) return;
    const url = c.video_url ?? c.image_url ?? '';
    const fail = (subcode: number, detail: string) => {
      c.error = `${FAILURES[subcode]?.message ?? 'Media upload has failed'}: ${detail}`;
      c.error_subcode = subcode;
    };
    try {
      let bytes: Buffer | undefined;
      if (LOOPBACK.has(new URL(url).hostname)) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          bytes = Buffer.from(await res.arrayBuffer());
        } catch (e) {
          return fail(2207052, `${url} (${(e as Error).message})`);
        }
      }
      if (c.video_url) {
        if (bytes && !isVideo(bytes)) return fail(2207026, 'not an MP4 or MOV file');
        if (bytes) {
          c.video = `${sha256hex(bytes)}.mp4`;
          await state.putMedia(c.video, bytes);
        }
        // The thumbnail the grid and `thumbnail_url` show.
        const thumb = await placeholderPng(url);
        c.media = `${sha256hex(thumb)}.png`;
        await state.putMedia(c.media, thumb);
      } else {
        bytes ??= await placeholderPng(url);
        const ext = imageExtension(bytes);
        if (!ext) return fail(2207005, 'not a PNG, JPEG, GIF or WebP image');
        c.media = `${sha256hex(bytes)}.${ext}`;
        await state.putMedia(c.media, bytes);
      }
    } catch (e) {
      fail(2207001, (e as Error).message);
    } finally {
      await state.save();
    }
  }

  /** What a FINISHED container publishes as: the post's media and shape, carousel items with fresh media ids. */
  publication(c: Container): { text: string; media?: string; shape: PostShape; children: Container[] } {
    if (c.media_type === 'REELS') {
      return { text: c.caption, media: c.media, shape: { media_type: 'VIDEO', media_product_type: 'REELS', share_to_feed: c.share_to_feed ?? true, ...(c.video ? { video: c.video } : {}) }, children: [] };
    }
    if (c.children) {
      const kids = c.children.map((id) => this.all.find((k) => k.id === id)!);
      const children: PostChild[] = kids.map((k) => ({
        id: this.ctx.state.nextId('17900', 12),
        media_type: k.media_type === 'VIDEO' ? 'VIDEO' : 'IMAGE',
        ...(k.media ? { media: k.media } : {}),
        ...(k.video ? { video: k.video } : {}),
      }));
      return { text: c.caption, media: children[0]?.media, shape: { media_type: 'CAROUSEL_ALBUM', media_product_type: 'FEED', children }, children: kids };
    }
    return { text: c.caption, media: c.media, shape: {}, children: [] };
  }
}
