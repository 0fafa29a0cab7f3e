import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DmDecision, DmMessage } from '../decide.js';
import { cetSecond, utcSecond } from '../time.js';
import type { BundleSigningKey } from './keys.js';
import { BUNDLE_VERSION, EVENT_VERSION, manifestSchema, SCHEMAS } from './records.js';
import { pseudonym, redactedPreview, sha256Hex } from './redact.js';

export interface BundlePaths {
  public: string;
  private: string;
}

export function bundleDirs(dataDir: string, traceId: string): BundlePaths {
  return { public: join(dataDir, 'dm', 'bundles', 'public', traceId), private: join(dataDir, 'dm', 'bundles', 'private', traceId) };
}

type Files = Record<string, object>;

const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;

/** `sha256sums.txt`: one `<hex>  <file>` line per file, sorted by name (sha256sum's format). */
export function sumsOf(contents: Record<string, string>): string {
  return Object.keys(contents)
    .sort()
    .map((name) => `${sha256Hex(contents[name]!)}  ${name}\n`)
    .join('');
}

export function signatureFile(key: BundleSigningKey, sums: string): string {
  const signature = Buffer.from(key.sign(Buffer.from(sums, 'utf8'))).toString('hex');
  return [
    'algorithm: ed25519',
    `key_id: ${key.keyId}`,
    `public_key: ${Buffer.from(key.publicKey).toString('hex')}`,
    'signed: sha256sums.txt',
    `signature: ${signature}`,
    '',
  ].join('\n');
}

/** Writes a bundle into a fresh directory and moves it into place whole: a reader never sees half of one. */
function writeBundle(dir: string, files: Files, key: BundleSigningKey, mode: { dir: number; file: number }): string {
  const contents: Record<string, string> = {};
  for (const [name, value] of Object.entries(files)) contents[name] = json(value);
  const sums = sumsOf(contents);
  const staging = `${dir}.staging-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true, mode: mode.dir });
  chmodSync(staging, mode.dir);
  for (const [name, text] of Object.entries(contents)) writeFileSync(join(staging, name), text, { mode: mode.file });
  writeFileSync(join(staging, 'sha256sums.txt'), sums, { mode: mode.file });
  writeFileSync(join(staging, 'signature_ed25519.txt'), signatureFile(key, sums), { mode: mode.file });
  try {
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another writer placed the same trace's bundle first: one bundle per event.
    if (!existsSync(dir)) throw error;
  }
  return sums;
}

/**
 * The two bundles of one event (spec 003 §6). Private (raw text and ids; directory 0700,
 * files 0600) first, then public (hashes, pseudonyms and a redacted preview) whose manifest
 * names the private one's sums, so the two can be matched later. Each has `manifest.json`,
 * the records, `sha256sums.txt` and `signature_ed25519.txt` over the sums. An event whose
 * bundles exist already is left as it is.
 */
export function writeBundles(dataDir: string, message: DmMessage, decision: DmDecision, key: BundleSigningKey, now = Date.now()): BundlePaths {
  const { triage, draft, panel, escalation } = decision;
  const dirs = bundleDirs(dataDir, triage.trace_id);
  if (existsSync(dirs.public) && existsSync(dirs.private)) return dirs;
  mkdirSync(join(dataDir, 'dm', 'bundles', 'private'), { recursive: true, mode: 0o700 });
  chmodSync(join(dataDir, 'dm', 'bundles', 'private'), 0o700);
  mkdirSync(join(dataDir, 'dm', 'bundles', 'public'), { recursive: true, mode: 0o755 });

  const names = ['manifest.json', 'event.json', 'triage.json', 'draft.json', 'panel.json', ...(escalation ? ['escalation.json'] : [])];
  const manifest = (kind: 'public' | 'private', extra: object = {}) =>
    manifestSchema.parse({ bundle_version: BUNDLE_VERSION, kind, trace_id: triage.trace_id, created_utc: utcSecond(now), created_cet: cetSecond(now), files: names, key_id: key.keyId, ...extra });
  const eventBase = {
    event_version: EVENT_VERSION,
    trace_id: triage.trace_id,
    ts_utc: triage.ts_utc,
    time_cet: triage.time_cet,
    message_text_sha256: sha256Hex(message.text),
    message_length: [...message.text].length,
    attachments: 0,
  };

  const privateFiles: Files = {
    'manifest.json': manifest('private'),
    'event.json': SCHEMAS.private['event.json'].parse({ ...eventBase, sender_id: message.sender_id, recipient_id: message.recipient_id, mid: message.mid, text: message.text }),
    'triage.json': triage,
    'draft.json': SCHEMAS.private['draft.json'].parse({ ...draft, final_text: decision.final_text }),
    'panel.json': panel,
    ...(escalation ? { 'escalation.json': escalation } : {}),
  };
  const privateSums = writeBundle(dirs.private, privateFiles, key, { dir: 0o700, file: 0o600 });

  const hidePatches = (seats: typeof panel.seats) => seats.map((s) => ({ ...s, patches: s.patches.map((p) => ({ ...p, value: pseudonym(p.value) })) }));
  const { text: draftText, ...draftRest } = draft;
  const publicFiles: Files = {
    'manifest.json': manifest('public', { private_sums_sha256: sha256Hex(privateSums) }),
    'event.json': SCHEMAS.public['event.json'].parse({
      ...eventBase,
      sender_id: pseudonym(message.sender_id),
      recipient_id: pseudonym(message.recipient_id),
      mid: pseudonym(message.mid),
      redacted_preview: redactedPreview(message.text, Boolean(escalation)),
    }),
    'triage.json': SCHEMAS.public['triage.json'].parse({ ...triage, sender_id: pseudonym(triage.sender_id), mid: pseudonym(triage.mid) }),
    'draft.json': SCHEMAS.public['draft.json'].parse({ ...draftRest, draft_text_sha256: sha256Hex(draftText), final_text_sha256: sha256Hex(decision.final_text) }),
    'panel.json': SCHEMAS.public['panel.json'].parse({ ...panel, seats: hidePatches(panel.seats), ...(panel.rerun ? { rerun: hidePatches(panel.rerun) } : {}) }),
    ...(escalation
      ? {
          'escalation.json': SCHEMAS.public['escalation.json'].parse({
            ...escalation,
            sender_id: pseudonym(escalation.sender_id),
            mid: pseudonym(escalation.mid),
            open_links: Object.fromEntries(Object.entries(escalation.open_links).map(([k, v]) => [k, pseudonym(v)])),
          }),
        }
      : {}),
  };
  writeBundle(dirs.public, publicFiles, key, { dir: 0o755, file: 0o644 });
  return dirs;
}
