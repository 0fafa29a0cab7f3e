import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A private key file, made on first use: its directory 0700, the file 0600 holding `make()`'s
 * text. Two processes starting at once agree on one key (the file appears atomically: a link of
 * a full temp file; the loser reads the winner's). Returns the file's text, trimmed; throws
 * `refuse(message)` when others can read the file.
 */
export function loadOrCreateKeyFile(file: string, make: () => string, refuse: (message: string) => Error): string {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, `${make()}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(tmp);
    }
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw refuse(`${file} is readable by others: chmod 600 it (and keep it that way)`);
  }
  return readFileSync(file, 'utf8').trim();
}
