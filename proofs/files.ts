import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** mkdir -p, then 0700 on the leaf (umask would otherwise decide). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes a 0600 file beside its target and renames it in place: readers never see half a file. */
export async function writePrivateFile(file: string, bytes: Uint8Array | string, options: { dirReady?: boolean } = {}): Promise<void> {
  if (!options.dirReady) await ensurePrivateDir(dirname(file));
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Appends one line to a 0600 file, creating it (and its 0700 directory) when absent. */
export async function appendPrivateLine(file: string, line: string): Promise<void> {
  await ensurePrivateDir(dirname(file));
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.appendFile(line.endsWith('\n') ? line : `${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A path segment taken from user input (platform, layout, surface): no separators, no dots first. */
export function safeSegment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)) throw new TypeError(`invalid ${what} ${JSON.stringify(value)}: letters, digits, '_', '.', '-' only`);
  return value;
}
