import { OutcomeUnknownError, WrongAccountEffectError } from '../../safety/index.js';
import { probePage } from '../probe.js';
import { assertCommitElement } from '../element.js';
import { dismissPrompts } from '../prompts.js';
import { findElement } from '../heal.js';
import { checkPage, goto, sel, urlOf } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, assertOwnPost, field, gridTiles, inconclusive, mediaFile, on, present, readPost, readPostState, scanGrid, scanOtherAccounts, settle, shortcodeIn } from './common.js';

const caption = (fc: FlowContext) => field(fc, 'caption', 'text');

/** Instagram publish: image + caption + Share, once; the receipt's permalink read back. */
export const instagramPublish: Flow = {
  platform: 'instagram',
  action_type: 'publish',

  async precheck(fc) {
    const scan = await scanGrid(fc, caption(fc), since(fc));
    if (!scan) throw new OutcomeUnknownError('profile grid did not load: cannot prove the post is absent');
    if (scan.found) return { exists: true, ref: { permalink: assertOwnPost(fc, scan.found).permalink }, level: 2 };
    if (!scan.complete) throw new OutcomeUnknownError('the grid has posts since the action a scan did not read (too many, or a page not showing its post yet): cannot prove the post is absent');
    return { exists: false };
  },

  steps: [
    {
      name: 'open_composer',
      async run(fc) {
        await goto(fc, 'compose', {}, { surface: 'composer' });
        await findElement(fc, 'composer.caption');
      },
    },
    {
      name: 'attach_media',
      async run(fc) {
        await (await findElement(fc, 'composer.media', { state: 'attached' })).setInputFiles(await mediaFile(fc));
      },
    },
    {
      name: 'write_caption',
      async run(fc) {
        await (await findElement(fc, 'composer.caption')).fill(caption(fc));
      },
    },
    {
      name: 'share',
      async run(fc) {
        const { page } = fc;
        const share = page.locator(sel(fc, 'composer', 'share'));
        if (!(await probePage(page, { visible: { share: sel(fc, 'composer', 'share') } })).visible.share) await share.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => undefined);
        // A prompt over the composer would take the click; the button must be the one recorded.
        await dismissPrompts(fc);
        await assertCommitElement(fc, 'composer.share', share);
        await fc.episode.beforeCommit();
        await share.click();
        // One click only: if the button stays enabled (a slow platform), clicking again would post twice.
        const receipt = fc.layout.annex.receipts.publish!;
        const friction = fc.layout.annex.friction;
        const composerPath = new URL(page.url()).pathname;
        const clickedAt = Date.now();
        let idleSince: number | undefined;
        const query = {
          visible: { receipt, toast: friction.toast, checkpoint: friction.checkpoint, busy: sel(fc, 'composer', 'progress') },
          value: { caption: sel(fc, 'composer', 'caption') },
        };
        const outcome = await settle(fc, async () => {
          // One read of the page per poll: the receipt, friction, and whether the composer is busy or cleared.
          const p = await probePage(page, query);
          if (p.path !== composerPath) return 'left';
          if (p.visible.receipt) return 'receipt';
          if (p.visible.toast) return 'toast';
          // A checkpoint can answer the share in place (same URL): checkPage turns it into CheckpointError.
          if (p.visible.checkpoint) return 'left';
          // A cleared, idle composer means "no receipt" only once it has stayed so for a while:
          // right after the click the form may clear before the progress state or the receipt shows.
          if (p.visible.busy || (p.value.caption ?? '') !== '') {
            idleSince = undefined;
            return undefined;
          }
          idleSince ??= Date.now();
          return Date.now() - idleSince >= 1500 && Date.now() - clickedAt >= 2000 ? 'reset' : undefined;
        });
        if (outcome !== 'left' && (await share.isEnabled({ timeout: 500 }).catch(() => false))) fc.episode.log('share button stayed enabled after the click; not clicking again');
        // "Your post has been shared." names no post: verification finds it in the grid.
        if (outcome === 'receipt') {
          fc.receipt.acknowledged = true;
          return;
        }
        if (outcome === 'left' || outcome === 'toast') await checkPage(fc);
        if (outcome === 'toast') {
          const text = ((await page.locator(friction.toast).first().textContent()) ?? '').trim().slice(0, 120);
          throw new OutcomeUnknownError(`instagram answered the share with "${text}"`);
        }
        if (outcome === 'timeout') throw new OutcomeUnknownError('no answer to the share click in time');
        // 'reset': the composer cleared without a receipt; the performer turns this into unknown.
        fc.episode.log('composer cleared without a receipt');
      },
    },
  ],

  /**
   * A receipt that names the permalink (none on the web today) makes the post known by its
   * shortcode: its own URL (`permalink`) and the grid's links are precise looks. Otherwise the
   * grid is scanned as a person would (scanGrid: each post since the action opened, its caption
   * compared): a scan that read every post since then and found none is a precise "absent".
   */
  async verify(fc, receipt, look) {
    const text = caption(fc);
    const code = shortcodeIn(receipt?.permalink);
    if (!code) {
      const scan = await scanGrid(fc, text, since(fc));
      if (!scan) return inconclusive('grid', receipt ? 1 : 0);
      if (scan.found) return on(present(assertOwnPost(fc, scan.found)), 'grid', true);
      if (!scan.complete) return inconclusive('grid', receipt ? 1 : 0);
      // Not ours: on another account of this login? Then it went out as that account.
      const elsewhere = await scanOtherAccounts(fc, text, since(fc));
      if (elsewhere) throw new WrongAccountEffectError(`@${elsewhere.author ?? 'another account'}`, elsewhere.permalink);
      return absent('grid', true);
    }
    const url = urlOf(fc, 'post', { id: code });
    if (look?.surface === 'grid') {
      const tiles = await gridTiles(fc);
      if (!tiles) return inconclusive('grid', 1);
      if (!tiles.some((t) => shortcodeIn(t.href) === code)) return absent('grid', true);
      const found = await readPost(fc, url, text);
      return found ? on(present(assertOwnPost(fc, found)), 'grid', true) : inconclusive('grid', 1);
    }
    const r = await readPostState(fc, url, text);
    // The receipt's permalink shows whose post it is: another author's means it went out as someone else.
    if (r.state === 'shown') return on(present(assertOwnPost(fc, r.post)), 'permalink', true);
    // "Not available" at the post's own URL; another caption there proves nothing either way.
    return r.state === 'missing' ? absent('permalink', true) : inconclusive('permalink', 1);
  },

  // A new post shows in the grid (and on its own URL) seconds after it exists (caches, replicas).
  absence: { windowMs: 30_000, looks: 2, surfaces: ['grid'] },
};

/**
 * The oldest moment an attempt of this action can have posted: when it was created or became
 * due, less a margin for the platform's clock (its timestamps, not ours, are on the page).
 */
function since(fc: FlowContext): number {
  const from = Math.max(Date.parse(fc.action.created_at), fc.action.due_at ? Date.parse(fc.action.due_at) : 0);
  return (Number.isFinite(from) ? from : Date.now()) - 10 * 60_000;
}
