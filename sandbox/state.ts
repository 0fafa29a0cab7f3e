import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { seedData } from './seed.js';
import type { Account, Platform, SandboxData } from './types.js';

/** The sandbox's world state in one lowdb JSON file, plus a media directory beside it. */
export class SandboxState {
  readonly mediaDir: string;
  private constructor(private readonly db: Low<SandboxData>, dataFile: string) {
    this.mediaDir = join(dirname(dataFile), `${basename(dataFile, '.json')}-media`);
  }

  static async open(dataFile: string): Promise<SandboxState> {
    await mkdir(dirname(dataFile), { recursive: true });
    const fresh = !existsSync(dataFile);
    const db = new Low<SandboxData>(new JSONFile<SandboxData>(dataFile), seedData());
    await db.read();
    const state = new SandboxState(db, dataFile);
    await mkdir(state.mediaDir, { recursive: true });
    if (fresh || db.data?.schema !== 1) db.data = seedData();
    await db.write();
    return state;
  }

  get data(): SandboxData {
    return this.db.data;
  }

  private closed = false;
  private writing: Promise<void> = Promise.resolve();

  /** Persists the current state; every mutation is followed by one save. A no-op once closed. */
  save(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const write = this.writing.then(() => this.db.write());
    this.writing = write.catch(() => undefined);
    return write;
  }

  /** The last save; later ones (a background task finishing after close) write nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.save();
    this.closed = true;
  }

  async reset(): Promise<void> {
    this.db.data = seedData();
    await this.db.write();
  }

  /** A new numeric id with a platform-looking prefix; deterministic for a given history. */
  nextId(prefix: string, width = 12): string {
    this.data.counter += 1;
    return `${prefix}${String(this.data.counter).padStart(width, '0')}`;
  }

  account(platform: Platform, idOrHandle: string): Account | undefined {
    const key = idOrHandle.replace(/^@/, '');
    return this.data.accounts.find((a) => a.platform === platform && (a.id === key || a.handle === key));
  }

  accountByToken(platform: Platform, token: string): Account | undefined {
    return this.data.accounts.find((a) => a.platform === platform && a.token === token);
  }

  businessAccounts(platform: Platform): Account[] {
    return this.data.accounts.filter((a) => a.platform === platform && a.kind === 'business');
  }

  async putMedia(name: string, bytes: Buffer): Promise<void> {
    await writeFile(join(this.mediaDir, name), bytes);
  }

  async getMedia(name: string): Promise<Buffer | undefined> {
    if (!/^[\w.-]+$/.test(name)) return undefined;
    try {
      return await readFile(join(this.mediaDir, name));
    } catch {
      return undefined;
    }
  }
}
