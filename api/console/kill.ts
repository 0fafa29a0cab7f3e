import type { RequestHandler } from 'express';
import { KillScope, type Store } from '../../store/index.js';
import { demand, visibleOr404, type Principal } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { html } from './html.js';
import { BASE, field, layout, pageOf, queryParam, redirectWith, send, type ConsoleDeps } from './page.js';
import { switchState } from './dashboard.js';
import { accountLabel, visibleAccount } from './tenancy.js';

interface Target {
  scope: KillScope;
  /** `*` for the global switch. */
  id: string;
  /** What the switch stops, in words. */
  label: string;
}

/** The switch a form or link names, if the caller may see it (the global one: unscoped callers only). */
async function targetOf(store: Store, principal: Principal, scopeRaw: string | undefined, idRaw: string | undefined): Promise<Target> {
  const scope = KillScope.safeParse(scopeRaw);
  if (!scope.success) throw new ApiError(400, 'invalid_request', 'scope: global, client or account');
  if (scope.data === 'global') {
    if (principal.client_id !== null) throw new ApiError(403, 'forbidden', 'a session scoped to one client cannot set the global kill switch');
    return { scope: 'global', id: '*', label: 'every client (global)' };
  }
  if (!idRaw) throw new ApiError(400, 'invalid_request', 'id: which client or account');
  if (scope.data === 'client') {
    const client = visibleOr404(principal, await store.clients.get(idRaw), 'client', idRaw);
    return { scope: 'client', id: client.client_id, label: `client ${client.name}` };
  }
  const account = await visibleAccount(store, principal, idRaw);
  return { scope: 'account', id: account.platform_account_id, label: `account ${accountLabel(account)}` };
}

/** GET /console/kill/confirm?scope=&id=: the confirmation step before a switch is tripped. */
export function confirmKill(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'kill_engage');
      const target = await targetOf(store, page.principal, queryParam(req, 'scope'), queryParam(req, 'id'));
      const current = (await store.killSwitches.list()).find((sw) => sw.scope === target.scope && sw.scope_id === target.id);
      const body = current?.engaged
        ? html`<p>The kill switch of ${target.label} is already on: ${switchState(current)}.</p><p><a href="${BASE}/">Back to the dashboard</a></p>`
        : html`<p class="warning">Tripping it stops <strong>every side effect of ${target.label}</strong> at once: nothing it covers is attempted until an operator clears it. Actions already past their confirm click finish and are verified.</p>
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
  const { store, logger } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const engaged = field(req.body, 'engaged', 3);
      if (engaged !== 'on' && engaged !== 'off') throw new ApiError(400, 'invalid_request', 'engaged: on or off');
      demand(page.principal, engaged === 'on' ? 'kill_engage' : 'kill_clear');
      const target = await targetOf(store, page.principal, field(req.body, 'scope', 10), field(req.body, 'id', 200));
      const reason = field(req.body, 'reason', 500);
      if (engaged === 'on') {
        if (field(req.body, 'confirmed', 3) !== 'yes') throw new ApiError(400, 'invalid_request', 'confirmed: trip a switch from its confirmation step');
        if (!reason) throw new ApiError(400, 'invalid_request', 'reason: say why the switch is tripped');
      }
      const sw = await store.killSwitches.set({ scope: target.scope, scope_id: target.id, engaged: engaged === 'on', reason: reason || null, set_by: page.principal.name });
      logger.warn({ scope: sw.scope, scope_id: sw.scope_id, engaged: sw.engaged, by: page.principal.name, via: 'console' }, sw.engaged ? 'kill switch engaged' : 'kill switch released');
      redirectWith(res, `${BASE}/`, sw.engaged ? 'kill_engaged' : 'kill_released');
    } catch (error) {
      next(error);
    }
  };
}
