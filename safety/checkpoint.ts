import { ed25519 } from '@noble/curves/ed25519.js';
import { closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AuditCheckpoint, GENESIS_HASH, type Store } from '../store/index.js';
import { walkAuditChain } from './audit.js';
import { loadOrCreateAuditKey, type AuditPublicKey, type AuditSigningKey } from './audit-key.js';
import { RaizeError } from './errors.js';

/** A checkpoint could not be made or read (a broken segment, a malformed line). Names what and where. */
export class AnchorError extends RaizeError {
  readonly code = 'audit_anchor';
}

export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

export function checkpointFile(dataDir: string): string {
  return join(dataDir, CHECKPOINT_FILE);
}

/**
 * The exact bytes a checkpoint's signature covers: UTF-8 of
 * `raize-audit-checkpoint/v1\n<seq>\n<hash>\n<time>\n<key_id>` — seq in decimal, hash and
 * key_id lowercase hex, time ISO 8601 as stored; no trailing newline.
 */
export function checkpointBytes(c: Pick<AuditCheckpoint, 'seq' | 'hash' | 'time' | 'key_id'>): Uint8Array {
  return new TextEncoder().encode(`raize-audit-checkpoint/v1\n${c.seq}\n${c.hash}\n${c.time}\n${c.key_id}`);
}

export function signCheckpoint(key: AuditSigningKey, head: { seq: number; hash: string }, time: Date): AuditCheckpoint {
  const unsigned = { v: 1 as const, seq: head.seq, hash: head.hash, time: time.toISOString(), key_id: key.keyId };
  return { ...unsigned, sig: Buffer.from(key.sign(checkpointBytes(unsigned))).toString('hex') };
}

/** True when `c` is signed by `key` (its key_id names that key and the signature holds). */
export function checkpointSignatureOk(c: AuditCheckpoint, key: AuditPublicKey): boolean {
  if (c.key_id !== key.keyId) return false;
  try {
    return ed25519.verify(Buffer.from(c.sig, 'hex'), checkpointBytes(c), key.publicKey);
  } catch {
    return false;
  }
}

/** Validates one checkpoint record; the error names `where` (a file line, a store row) and the field. */
export function parseCheckpoint(value: unknown, where: string): AuditCheckpoint {
  const parsed = AuditCheckpoint.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AnchorError(`${where}: ${issue.path.join('.') || '(record)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function parseCheckpointLine(text: string, where: string): AuditCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AnchorError(`${where}: not JSON`);
  }
  return parseCheckpoint(value, where);
}

/** Appends one line: O_APPEND (writers never overwrite each other), 0600, fsynced before returning. */
export function appendCheckpointLine(file: string, c: AuditCheckpoint): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(c)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface CheckpointFileContents {
  exists: boolean;
  records: { line: number; checkpoint: AuditCheckpoint }[];
  /** One message per malformed line, naming the line number and the field. */
  problems: string[];
}

export function readCheckpointFile(file: string): CheckpointFileContents {
  if (!existsSync(file)) return { exists: false, records: [], problems: [] };
  const out: CheckpointFileContents = { exists: true, records: [], problems: [] };
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      out.records.push({ line: i + 1, checkpoint: parseCheckpointLine(text, `${CHECKPOINT_FILE} line ${i + 1}`) });
    } catch (error) {
      out.problems.push((error as Error).message);
    }
  });
  return out;
}

export interface CheckpointOptions {
  dataDir: string;
  /** Loaded once by long-running callers; else the data dir's key (made on first use). */
  key?: AuditSigningKey;
  now?: () => Date;
}

/**
 * Signs the chain's head and writes the checkpoint to the checkpoint file, then to the store.
 * Refuses when the links since the previous checkpoint (or since the genesis) do not verify:
 * a checkpoint never vouches for a chain already broken. Costs nothing on the append path.
 */
export async function makeCheckpoint(store: Store, options: CheckpointOptions): Promise<AuditCheckpoint> {
  const key = options.key ?? loadOrCreateAuditKey(options.dataDir);
  // The time is taken before the head: every event after this head was appended after it.
  const time = (options.now ?? (() => new Date()))();
  const head = (await store.audit.head()) ?? { seq: 0, hash: GENESIS_HASH };
  const base = await trustedBase(store, key);
  if (head.seq < base.seq) throw new AnchorError(`refusing to checkpoint: truncated: checkpoint at seq ${base.seq} but the chain ends at ${head.seq}`);
  if (base.seq > 0) {
    const [row] = await store.audit.scan(base.seq - 1, 1);
    if (!row || row.seq !== base.seq || row.hash !== base.hash) throw new AnchorError(`refusing to checkpoint: hash at seq ${base.seq} differs from the signed checkpoint`);
  }
  const walk = await walkAuditChain(store, { after: base, untilSeq: head.seq, linksOnly: true });
  if (!walk.ok) throw new AnchorError(`refusing to checkpoint: audit chain BROKEN at seq ${walk.broken.seq}: ${walk.broken.problem}`);
  if (walk.head !== head.hash) throw new AnchorError(`refusing to checkpoint: the chain moved under the walk at seq ${head.seq}`);
  const checkpoint = signCheckpoint(key, head, time);
  appendCheckpointLine(checkpointFile(options.dataDir), checkpoint);
  await store.audit.addCheckpoint(checkpoint);
  return checkpoint;
}

/** Where the walk may start: the latest stored checkpoint if this key signed it, else the genesis. */
async function trustedBase(store: Store, key: AuditSigningKey): Promise<{ seq: number; hash: string }> {
  const latest = await store.audit.latestCheckpoint();
  return latest && checkpointSignatureOk(latest, key) ? { seq: latest.seq, hash: latest.hash } : { seq: 0, hash: GENESIS_HASH };
}

export interface Checkpointing {
  /** The checkpoint made at start. */
  readonly first: AuditCheckpoint;
  readonly keyId: string;
  /** Makes one now if the head moved since the last one; resolves to it, or null. */
  tick(): Promise<AuditCheckpoint | null>;
  stop(): void;
}

/**
 * Checkpoints at start, then every `everyMs` while the process stays up, only when the head
 * moved. The timer is unref'd: it never keeps the process alive. Failures go to `onError`.
 */
export async function startCheckpointing(store: Store, options: CheckpointOptions & {
  everyMs?: number;
  onError?: (error: unknown) => void;
}): Promise<Checkpointing> {
  const key = options.key ?? loadOrCreateAuditKey(options.dataDir);
  const make = () => makeCheckpoint(store, { ...options, key });
  let last = await make();
  let running: Promise<AuditCheckpoint | null> | null = null;
  const tick = () => {
    running ??= (async () => {
      try {
        const head = await store.audit.head();
        if (!head || (head.seq === last.seq && head.hash === last.hash)) return null;
        last = await make();
        return last;
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void tick().catch((error) => options.onError?.(error)), options.everyMs ?? 60_000);
  timer.unref();
  return { first: last, keyId: key.keyId, tick, stop: () => clearInterval(timer) };
}
