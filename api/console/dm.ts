import type { RequestHandler } from 'express';
import { html } from './html.js';
import { layout, pageOf, send, type ConsoleDeps } from './page.js';

/**
 * GET /console/dm: the reviewer queue of Instagram DM drafts (spec 003 §5). The DM assistant
 * fills it; until it runs here the queue is empty, and the page says so rather than show
 * anything made up.
 */
export function dmPage(deps: ConsoleDeps): RequestHandler {
  return (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const body = html`
<p>Drafted replies to Instagram DMs wait here for a reviewer: the triage (language, intent, risk tier), the seat panel's decision and its evidence bundle, with escalations (<em>urgent</em>, <em>needs-human</em>) first. Sending stays draft-only until a reviewer approves; an approved reply goes out as a <code>dm_send</code> action through the kernel like any other side effect.</p>
<section aria-labelledby="dm-queue" class="empty">
<h2 id="dm-queue">Queue</h2>
<p>The DM queue is empty: it is filled by the DM assistant, which is not connected to this farm yet. Nothing is shown until real drafts arrive.</p>
</section>`;
      send(res, layout({ title: 'DM queue', nav: 'dm', page, body }));
    } catch (error) {
      next(error);
    }
  };
}
