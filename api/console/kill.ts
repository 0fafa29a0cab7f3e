import type { RequestHandler } from 'express';
import { killTarget, setKillSwitch } from '../ops/index.js';
import { demand } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { html } from './html.js';
import { BASE, field, layout, pageOf, queryParam, redirectWith, send, type ConsoleDeps } from './page.js';
import { switchState } from './dashboard.js';

/** GET /console/kill/confirm?scope=&id=: the confirmation step before a switch is tripped. */
export function confirmKill(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'kill_engage');
      const target = await killTarget(store, page.principal, queryParam(req, 'scope'), queryParam(req, 'id'));
      const current = (await store.killSwitches.list()).find((sw) => sw.scope === target.scope && sw.scope_id === target.id);
      const body = current?.engaged
        ? html`<p>The kill switch of ${target.label} is already on: ${switchState(current)}.</p><p><a href="${BASE}/">Back to the dashboard</a></p>`
        : html`<p class="warning">Tripping it stops <strong>${target.stops}</strong> at once${target.scope === 'dm_auto_send' ? '' : ': nothing it covers is attempted until an operator clears it. Actions already past their confirm click finish and are verified'}.</p>
${page.form(`${BASE}/kill`, html`<input type="hidden" name="scope" value="${target.scope}"><input type="hidden" name="id" value="${target.id}">
<input type="hidden" name="engaged" value="on"><input type="hidden" name="confirmed" value="yes">
<div class="stack">
<label for="reason">Reason (shown to everyone who finds the switch on)</label>
<textarea id="reason" name="reason" required maxlength="500" rows="3" autofocus></textarea>
</div>
<p class="buttons"><button type="submit" class="danger">Trip the kill switch of ${target.label}</button> <a href="${BASE}/">Cancel</a></p>`, { label: 'Confirm the kill switch' })}`;
      send(res, layout({ title: `Trip the kill switch of ${target.label}?`, nav: 'dashboard', page, body }));
    } catch (error) {
      next(error);
    }
  };
}

/**
 * POST /console/kill: engage (kill_engage, only from the confirmation step, with a reason) or
 * release (kill_clear) a switch; the store records who, when and why in the switch's history.
 */
export function setKill(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const engaged = field(req.body, 'engaged', 3);
      if (engaged !== 'on' && engaged !== 'off') throw new ApiError(400, 'invalid_request', 'engaged: on or off');
      demand(page.principal, engaged === 'on' ? 'kill_engage' : 'kill_clear');
      const target = await killTarget(store, page.principal, field(req.body, 'scope', 20), field(req.body, 'id', 200));
      if (engaged === 'on' && field(req.body, 'confirmed', 3) !== 'yes') throw new ApiError(400, 'invalid_request', 'confirmed: trip a switch from its confirmation step');
      const reason = field(req.body, 'reason', 500);
      const sw = await setKillSwitch(deps.services, page.principal, target, { engaged: engaged === 'on', ...(reason ? { reason } : {}) }, 'console');
      redirectWith(res, `${BASE}/`, sw.engaged ? 'kill_engaged' : 'kill_released');
    } catch (error) {
      next(error);
    }
  };
}
