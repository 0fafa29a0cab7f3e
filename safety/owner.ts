import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import type { Action, Owner } from '../store/index.js';
import type { KernelDeps } from './deps.js';

/** An owner id: host (config `hostId`, else the machine's name), process, thread and a nonce for this kernel instance. */
export function newOwnerId(host = hostname()): string {
  return `${host}/${process.pid}/${threadId}/${randomUUID().slice(0, 8)}`;
}

interface Heart {
  ready: Promise<void>;
  timer?: NodeJS.Timeout;
}
const HEARTS = new WeakMap<KernelDeps, Heart>();

/**
 * Registers this kernel instance as an owner (host, pid, start) and keeps its heartbeat going
 * while it runs actions. Idempotent per instance; the timer does not keep the process alive.
 */
export function ensureOwner(k: KernelDeps): Promise<void> {
  let heart = HEARTS.get(k);
  if (heart) return heart.ready;
  const now = () => (k.now ?? (() => new Date()))();
  const [host, pid] = k.ownerId.split('/');
  const at = now().toISOString();
  const created: Heart = {
    ready: k.store.owners.register({ owner_id: k.ownerId, host: host || hostname(), pid: Number(pid) || process.pid, started_at: at, heartbeat_at: at }).then(() => undefined),
  };
  created.timer = setInterval(() => {
    k.store.owners.heartbeat(k.ownerId, now()).catch(() => undefined);
  }, k.settings.heartbeatMs);
  created.timer.unref?.();
  HEARTS.set(k, (heart = created));
  return heart.ready;
}

/** Reads owners once each for one pass over many actions (a sweep, a recovery pass). */
export type OwnerReader = (ownerId: string) => Promise<Owner | null>;

export function ownerReader(store: KernelDeps['store']): OwnerReader {
  const owners = new Map<string, Promise<Owner | null>>();
  return (ownerId) => {
    let owner = owners.get(ownerId);
    if (!owner) owners.set(ownerId, (owner = store.owners.get(ownerId)));
    return owner;
  };
}

/** Stops the heartbeat (the kernel instance is closing). Its actions are recovered by others later. */
export function stopOwner(k: KernelDeps): void {
  const heart = HEARTS.get(k);
  if (heart?.timer) clearInterval(heart.timer);
  HEARTS.delete(k);
}

/**
 * Whether the owner's process still runs on this host. A pid that exists but belongs to a
 * process started after the owner registered is a reused pid: the owner is gone (Linux
 * /proc; elsewhere the pid alone is trusted).
 */
function processExists(pid: number, ownerStartedAt: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists under another user; ESRCH: gone.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStartMs(pid);
  if (started === undefined || !ownerStartedAt) return true;
  return started <= Date.parse(ownerStartedAt) + 2000;
}

let bootMs: number | undefined;
function processStartMs(pid: number): number | undefined {
  try {
    bootMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000;
    // Field 22 of /proc/<pid>/stat: start time in clock ticks after boot (USER_HZ is 100 on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? bootMs + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the owner of an action can no longer finish it. Not seeing a heartbeat is not proof
 * of death: on this host the owner's process must also be gone; on another host (or another
 * thread of this process, whose liveness cannot be read from here) the heartbeat must be older
 * than the foreign bound, and the fencing token then refuses anything a paused owner writes
 * when it resumes. A lease or deadline alone never counts.
 */
export function ownerIsGone(action: Pick<Action, 'owner_id'>, owner: Owner | null, self: string, now: Date, bounds: { ownerStaleMs: number; foreignOwnerStaleMs: number }): boolean {
  if (!action.owner_id || action.owner_id === self) return false;
  const [host, pidText] = action.owner_id.split('/');
  const pid = Number(pidText);
  const age = owner ? now.getTime() - Date.parse(owner.heartbeat_at) : Number.POSITIVE_INFINITY;
  // "This host" is the host of our own owner id: a process is checked only where it could be seen.
  const sameHost = host === self.split('/')[0] && Number.isInteger(pid) && pid > 0;
  if (sameHost && pid !== process.pid) return age > bounds.ownerStaleMs && !processExists(pid, owner?.started_at);
  return age > bounds.foreignOwnerStaleMs;
}
