import { existsSync, readFileSync } from 'node:fs';
import { GENESIS_HASH, type AuditCheckpoint, type Store } from '../store/index.js';
import { walkAuditChain, type ChainVerdict } from './audit.js';
import { auditKeyPaths, readAuditPublicKey, type AuditPublicKey } from './audit-key.js';
import { crossCheckActions, type CrossCheckReport } from './audit-cross-check.js';
import { CHECKPOINT_FILE, checkpointFile, checkpointSignatureOk, parseCheckpoint, parseCheckpointLine, readCheckpointFile } from './checkpoint.js';

export interface AnchoredVerifyOptions {
  dataDir: string;
  /** An operator-kept checkpoint: one JSON line, or a file whose last non-empty line is one. */
  anchor?: string;
  /** The public key to trust (64 hex chars or a file); default `<dataDir>/keys/audit-ed25519.pub`. */
  publicKey?: string;
  /** How much older than the latest checkpoint an event appended after it may claim to be. @default 5000 */
  skewMs?: number;
  /** Cross-check the actions table against the events. @default true */
  crossCheck?: boolean;
  pageSize?: number;
  now?: () => Date;
}

export interface AnchoredVerdict {
  ok: boolean;
  chain: ChainVerdict;
  /** The last link the walk verified (seq 0 and the genesis hash for an empty chain). */
  head: { seq: number; hash: string };
  checkpoints: { file: number; store: number; keyId: string | null };
  /** Events covered by a valid checkpoint that matches the chain: seq 1 … anchoredSeq. */
  anchoredSeq: number;
  /** The operator's copy, when one was given, and whether it held. */
  anchor: { seq: number; ok: boolean } | null;
  actions: CrossCheckReport | null;
  /** What failed, one human sentence each, in the order found; empty when everything holds. */
  problems: string[];
}

interface Known { checkpoint: AuditCheckpoint; where: string }

/**
 * `raize audit verify`: the chain itself; every checkpoint's signature; the checkpoint file
 * against the store's copies; the chain still holding each checkpointed seq with exactly the
 * checkpointed hash (truncation, re-chaining); events after the latest checkpoint not older
 * than it; the operator's anchor copy; and the actions table against the events.
 */
export async function verifyAnchoredAudit(store: Store, options: AnchoredVerifyOptions): Promise<AnchoredVerdict> {
  const problems: string[] = [];
  const skewMs = options.skewMs ?? 5000;
  const now = (options.now ?? (() => new Date()))();
  const key = readKey(options, problems);

  const file = readCheckpointFile(checkpointFile(options.dataDir));
  problems.push(...file.problems);
  const fromFile: Known[] = file.records.map((r) => ({ checkpoint: r.checkpoint, where: `${CHECKPOINT_FILE} line ${r.line}` }));
  const fromStore: Known[] = [];
  for (const row of await store.audit.checkpoints()) {
    const { checkpoint_no, ...record } = row;
    try {
      fromStore.push({ checkpoint: parseCheckpoint(record, `store checkpoint #${checkpoint_no}`), where: `store checkpoint #${checkpoint_no}` });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (!file.exists && fromStore.length > 0) problems.push(`the checkpoint file ${checkpointFile(options.dataDir)} is missing but the store holds ${fromStore.length} checkpoint(s)`);
  const anchor = options.anchor === undefined ? null : readAnchor(options.anchor, problems);

  // Signatures: only a checkpoint signed by the trusted key may vouch for the chain.
  const valid = new Map<string, Known>();
  const all = [...fromFile, ...fromStore, ...(anchor ? [{ checkpoint: anchor, where: 'the anchor copy' }] : [])];
  if (all.length > 0 && !key) problems.push(`${all.length} checkpoint(s) but no public key at ${auditKeyPaths(options.dataDir).publicFile}: none can be verified`);
  for (const k of all) {
    if (!key) break;
    const c = k.checkpoint;
    if (c.key_id !== key.keyId) problems.push(`checkpoint at seq ${c.seq} (${k.where}) was signed by key ${c.key_id.slice(0, 16)}…, not the audit key ${key.keyId.slice(0, 16)}… (a replaced key?)`);
    else if (!checkpointSignatureOk(c, key)) problems.push(`checkpoint at seq ${c.seq} (${k.where}): signature does not verify (forged or edited checkpoint)`);
    else {
      if (Date.parse(c.time) > now.getTime() + skewMs) problems.push(`checkpoint at seq ${c.seq} (${k.where}) is dated in the future (${c.time})`);
      valid.set(c.sig, k);
    }
  }

  // The two copies must agree, checkpoint for checkpoint (a signature names one).
  const fileSigs = new Set(fromFile.map((k) => k.checkpoint.sig));
  const storeSigs = new Set(fromStore.map((k) => k.checkpoint.sig));
  for (const k of fromFile) if (!storeSigs.has(k.checkpoint.sig)) problems.push(`checkpoint at seq ${k.checkpoint.seq} (${k.where}) is missing from the store`);
  if (file.exists) for (const k of fromStore) if (!fileSigs.has(k.checkpoint.sig)) problems.push(`checkpoint at seq ${k.checkpoint.seq} (${k.where}) is missing from the checkpoint file`);
  if (anchor && file.exists && !fileSigs.has(anchor.sig)) problems.push(`the anchor copy (checkpoint at seq ${anchor.seq}, ${anchor.time}) is missing from the checkpoint file`);
  if (anchor && !storeSigs.has(anchor.sig)) problems.push(`the anchor copy (checkpoint at seq ${anchor.seq}, ${anchor.time}) is missing from the store`);

  // The chain, read once, against every valid checkpoint's (seq, hash).
  const bySeq = new Map<number, Known[]>();
  // The operator's copy is trusted by where it was kept: held against the chain even when the
  // data dir's key no longer verifies it (a replaced key is reported above).
  const compared = anchor && !valid.has(anchor.sig) ? [...valid.values(), { checkpoint: anchor, where: 'the anchor copy' }] : [...valid.values()];
  for (const k of compared) bySeq.set(k.checkpoint.seq, [...(bySeq.get(k.checkpoint.seq) ?? []), k]);
  const latest = [...valid.values()].reduce<AuditCheckpoint | null>((m, k) => (!m || k.checkpoint.seq > m.seq || (k.checkpoint.seq === m.seq && k.checkpoint.time > m.time) ? k.checkpoint : m), null);
  const matched = new Set<string>();
  const mismatches: { seq: number; k: Known }[] = [];
  const check = (seq: number, hash: string) => {
    for (const k of bySeq.get(seq) ?? []) (k.checkpoint.hash === hash ? matched.add(k.checkpoint.sig) : mismatches.push({ seq, k }));
  };
  check(0, GENESIS_HASH);
  let head = { seq: 0, hash: GENESIS_HASH };
  let lateEvents = 0;
  const chain = await walkAuditChain(store, {
    pageSize: options.pageSize,
    visit: (row, event) => {
      check(row.seq, row.hash);
      head = { seq: row.seq, hash: row.hash };
      if (latest && row.seq > latest.seq && Date.parse(event.timestamp) < Date.parse(latest.time) - skewMs) {
        if (lateEvents++ < 5) problems.push(`event at seq ${row.seq} (timestamp ${event.timestamp}) comes after the checkpoint at seq ${latest.seq} but is older than it (${latest.time}): appended later, backdated`);
      }
    },
  });
  if (lateEvents > 5) problems.push(`… and ${lateEvents - 5} more backdated event(s) after the latest checkpoint`);
  if (!chain.ok) problems.unshift(`audit chain BROKEN at seq ${chain.broken.seq} (audit_event_id ${chain.broken.audit_event_id}): ${chain.broken.problem}; ${chain.count} events before it verified`);
  const first = mismatches[0];
  if (first) {
    const later = mismatches.length - 1;
    problems.push(`hash at seq ${first.seq} differs from the signed checkpoint (${first.k.where}, ${first.k.checkpoint.time}): the chain was edited or re-chained${later > 0 ? `; ${later} later checkpoint(s) differ too` : ''}`);
  }
  const beyond = compared.filter((k) => k.checkpoint.seq > head.seq).sort((a, b) => b.checkpoint.seq - a.checkpoint.seq)[0];
  if (chain.ok && beyond) problems.push(`truncated: checkpoint at seq ${beyond.checkpoint.seq} but the chain ends at ${head.seq} (${beyond.where}, ${beyond.checkpoint.time})`);
  const anchoredSeq = [...valid.values()].filter((k) => matched.has(k.checkpoint.sig)).reduce((m, k) => Math.max(m, k.checkpoint.seq), 0);

  const actions = options.crossCheck === false || !chain.ok
    ? null
    : await crossCheckActions(store, { headSeq: head.seq, chainEvents: chain.count, pageSize: options.pageSize ? Math.min(options.pageSize, 1000) : undefined });
  if (actions) problems.push(...actions.problems);

  return {
    ok: problems.length === 0,
    chain,
    head,
    checkpoints: { file: fromFile.length, store: fromStore.length, keyId: key?.keyId ?? null },
    anchoredSeq,
    anchor: anchor ? { seq: anchor.seq, ok: valid.has(anchor.sig) && matched.has(anchor.sig) && storeSigs.has(anchor.sig) && (!file.exists || fileSigs.has(anchor.sig)) } : null,
    actions,
    problems,
  };
}

function readKey(options: AnchoredVerifyOptions, problems: string[]): AuditPublicKey | null {
  try {
    return readAuditPublicKey(options.dataDir, options.publicKey);
  } catch (error) {
    problems.push((error as Error).message);
    return null;
  }
}

/** The anchor argument: a JSON line as is, else a file whose last non-empty line is the checkpoint. */
function readAnchor(source: string, problems: string[]): AuditCheckpoint | null {
  try {
    if (source.trim().startsWith('{')) return parseCheckpointLine(source.trim(), 'the anchor copy');
    if (!existsSync(source)) throw new Error(`the anchor copy ${source} does not exist`);
    const lines = readFileSync(source, 'utf8').split('\n');
    const last = lines.findLastIndex((l) => l.trim() !== '');
    if (last < 0) throw new Error(`the anchor copy ${source} is empty`);
    return parseCheckpointLine(lines[last]!, `the anchor copy ${source} line ${last + 1}`);
  } catch (error) {
    problems.push((error as Error).message);
    return null;
  }
}
