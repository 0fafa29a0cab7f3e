import { ed25519 } from '@noble/curves/ed25519.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { keyIdOf } from './keys.js';
import { manifestSchema, SCHEMAS } from './records.js';
import { sha256Hex } from './redact.js';

export interface BundleVerdict {
  ok: boolean;
  kind?: 'public' | 'private';
  trace_id?: string;
  key_id?: string;
  /** One line per failure, each naming the file (and field) that fails. */
  problems: string[];
}

const SIGNED = new Set(['sha256sums.txt', 'signature_ed25519.txt']);

function parseSignature(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([a-z_]+):\s*(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => Boolean(m))
      .map((m) => [m[1]!, m[2]!]),
  );
}

const issuesOf = (file: string, error: z.ZodError) => error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);

/**
 * `raize bundle verify DIR`: every file listed in `sha256sums.txt` hashes to its line, no file
 * is there unlisted, the manifest lists the same files, the ed25519 signature over the sums
 * holds for the key it names (and that key is the trusted one when one is given), and every
 * record parses with its schema (a public bundle with a raw id fails). Problems name the file.
 */
export function verifyBundle(dir: string, options: { trustedKey?: Uint8Array } = {}): BundleVerdict {
  const problems: string[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, problems: [`${dir}: not a bundle directory`] };
  const read = (name: string): string | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);

  const sums = read('sha256sums.txt');
  const signatureText = read('signature_ed25519.txt');
  if (sums === undefined) problems.push('sha256sums.txt: missing');
  if (signatureText === undefined) problems.push('signature_ed25519.txt: missing');
  if (sums === undefined || signatureText === undefined) return { ok: false, problems };

  // Hashes: each listed file, and nothing unlisted.
  const listed = new Map<string, string>();
  for (const [n, line] of sums.split('\n').entries()) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) {2}([\w.-]+)$/.exec(line);
    if (!m) {
      problems.push(`sha256sums.txt: line ${n + 1} is not "<sha256>  <file>"`);
      continue;
    }
    listed.set(m[2]!, m[1]!);
  }
  for (const [name, hash] of listed) {
    const bytes = existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined;
    if (!bytes) problems.push(`${name}: listed in sha256sums.txt but missing`);
    else if (sha256Hex(bytes) !== hash) problems.push(`${name}: sha256 does not match sha256sums.txt (the file was changed)`);
  }
  for (const name of readdirSync(dir)) if (!SIGNED.has(name) && !listed.has(name)) problems.push(`${name}: present but not in sha256sums.txt`);

  // Signature over the sums' exact bytes.
  const sig = parseSignature(signatureText);
  let keyId: string | undefined;
  if (sig.algorithm !== 'ed25519') problems.push('signature_ed25519.txt: algorithm is not ed25519');
  if (!/^[0-9a-f]{64}$/.test(sig.public_key ?? '') || !/^[0-9a-f]{128}$/.test(sig.signature ?? '')) {
    problems.push('signature_ed25519.txt: public_key or signature missing or malformed');
  } else {
    const publicKey = Uint8Array.from(Buffer.from(sig.public_key!, 'hex'));
    keyId = keyIdOf(publicKey);
    if (sig.key_id !== keyId) problems.push('signature_ed25519.txt: key_id is not the sha256 of public_key');
    let valid = false;
    try {
      valid = ed25519.verify(Uint8Array.from(Buffer.from(sig.signature!, 'hex')), Buffer.from(sums, 'utf8'), publicKey);
    } catch {
      valid = false;
    }
    if (!valid) problems.push('signature_ed25519.txt: the signature does not verify over sha256sums.txt');
    if (options.trustedKey && keyIdOf(options.trustedKey) !== keyId) problems.push(`signature_ed25519.txt: signed by key ${keyId}, not the trusted key ${keyIdOf(options.trustedKey)}`);
  }

  // Records: the manifest first, then each file with the schema of the bundle's kind.
  let kind: 'public' | 'private' | undefined;
  let traceId: string | undefined;
  const manifestText = read('manifest.json');
  if (manifestText === undefined) problems.push('manifest.json: missing');
  else {
    const parsed = manifestSchema.safeParse(safeJson(manifestText));
    if (!parsed.success) problems.push(...issuesOf('manifest.json', parsed.error));
    else {
      ({ kind, trace_id: traceId } = parsed.data);
      const names = new Set(parsed.data.files);
      const present = [...listed.keys()];
      if (present.length !== names.size || present.some((n) => !names.has(n as never))) problems.push('manifest.json: files does not list exactly the files in sha256sums.txt');
      if (parsed.data.key_id !== keyId) problems.push('manifest.json: key_id is not the signing key');
      for (const name of parsed.data.files) {
        if (name === 'manifest.json') continue;
        const text = read(name);
        if (text === undefined) continue;
        const schema = SCHEMAS[parsed.data.kind][name];
        const record = schema.safeParse(safeJson(text));
        if (!record.success) problems.push(...issuesOf(name, record.error));
        else if ((record.data as { trace_id: string }).trace_id !== traceId) problems.push(`${name}: trace_id is not the manifest's`);
      }
    }
  }
  return { ok: problems.length === 0, kind, trace_id: traceId, key_id: keyId, problems };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
