import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import type { Action } from '../store/index.js';
import type { KernelDeps } from './deps.js';
import { ActionTracker } from './tracker.js';
import { resolveUnknown } from './verification.js';

/** A lease owner id: host, process, thread and a nonce for this kernel instance. */
export function newOwnerId(): string {
  return `${hostname()}/${process.pid}/${threadId}/${randomUUID().slice(0, 8)}`;
}

/** Whether the owner of an `attempted` action can no longer finish it. */
export function ownerIsGone(action: Action, self: string, now: Date): boolean {
  if (!action.owner_id || action.owner_id === self) return false;
  if (action.lease_expires_at && Date.parse(action.lease_expires_at) <= now.getTime()) return true;
  const [host, pidText] = action.owner_id.split('/');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists under another user; anything else: it is gone.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

export interface RecoveryReport {
  found: number;
  recovered: string[];
  resolved: { action_id: string; state: string }[];
}

/**
 * Crash recovery: every action left in `attempted` by an owner that is gone becomes `unknown`
 * and goes to read-only verification. It is never attempted again blindly.
 */
export async function recoverInterrupted(k: KernelDeps, options: { verify?: boolean } = {}): Promise<RecoveryReport> {
  const now = (k.now ?? (() => new Date()))();
  const attempted = await k.store.actions.list({ state: 'attempted' });
  const report: RecoveryReport = { found: attempted.length, recovered: [], resolved: [] };
  for (const action of attempted) {
    if (!ownerIsGone(action, k.ownerId, now)) continue;
    const tracker = new ActionTracker(k.store, action, k.now ?? (() => new Date()));
    try {
      await tracker.move('unknown', { ledger: 'unknown', reason: `recovery: owner ${action.owner_id} stopped between attempted and its outcome` });
    } catch {
      continue; // another recoverer or the owner itself moved it first
    }
    report.recovered.push(action.action_id);
    k.logger.warn({ action_id: action.action_id }, 'interrupted action marked unknown');
  }
  if (options.verify !== false) {
    for (const id of report.recovered) {
      const settled = await resolveUnknown(k, id);
      if (settled) report.resolved.push({ action_id: id, state: settled.state });
    }
  }
  return report;
}
