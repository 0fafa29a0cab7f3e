import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Playwright's storage state (cookies and origins' local storage). */
export type SessionState = Awaited<ReturnType<BrowserContext['storageState']>>;

/**
 * Browser session state per account under `<dataDir>/sessions/<account id>.json` (file 0600,
 * directory 0700). The account's `session_ref` is the relative path, never the state itself;
 * nothing here logs contents or paths with secrets.
 */
export class SessionStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = resolve(dataDir, 'sessions');
  }

  /** The `session_ref` of an account. */
  refFor(accountId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(accountId)) throw new Error('session: account id is not a safe file name');
    return `sessions/${accountId}.json`;
  }

  private pathOf(ref: string): string {
    const path = resolve(this.dir, '..', ref);
    if (!path.startsWith(this.dir + sep)) throw new Error('session: ref outside the sessions directory');
    return path;
  }

  /** Writes the state atomically with mode 0600 and returns the `session_ref`. */
  async save(accountId: string, state: SessionState): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const ref = this.refFor(accountId);
    const path = this.pathOf(ref);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
    return ref;
  }

  /** The stored state, or undefined when there is none (the account must reconnect). */
  async load(ref: string | null | undefined): Promise<SessionState | undefined> {
    if (!ref) return undefined;
    try {
      return JSON.parse(await readFile(this.pathOf(ref), 'utf8')) as SessionState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error('session: stored state unreadable');
    }
  }

  async remove(ref: string): Promise<void> {
    await rm(this.pathOf(ref), { force: true });
  }

  /** Where a ref lives (for tests checking the mode). */
  fileOf(ref: string): string {
    return this.pathOf(ref);
  }
}

