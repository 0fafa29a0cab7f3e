import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { ProofStore, StoredProof } from './store.js';

export interface TraceProof {
  trace: StoredProof;
  /** Absolute path of the stored zip. */
  path: string;
  /** Opens the episode in Playwright's trace viewer. */
  command: string;
}

export interface TraceOptions {
  title?: string;
  /**
   * The screencast film strip. Off by default: the proof listener already keeps a screenshot at
   * every step boundary, and the trace's DOM snapshots show the page at every call; the
   * screencast cost ~150 ms per publish episode here (JPEG frames encoded on the same 2 cores).
   * @default false
   */
  screenshots?: boolean;
}

/** Starts recording the episode (DOM snapshots of every call; the screencast when asked) on the context. */
export async function startTrace(context: BrowserContext, options: TraceOptions = {}): Promise<void> {
  await context.tracing.start({ screenshots: options.screenshots ?? false, snapshots: true, sources: false, ...(options.title ? { title: options.title } : {}) });
}

/** Stops the recording and stores the zip content-addressed (kind `trace`). */
export async function stopTrace(context: BrowserContext, store: ProofStore): Promise<TraceProof> {
  const dir = await mkdtemp(join(tmpdir(), 'raize-trace-'));
  try {
    const file = join(dir, 'trace.zip');
    await context.tracing.stop({ path: file });
    const trace = await store.put(await readFile(file), { kind: 'trace', ext: 'zip' });
    const path = store.resolve(trace);
    return { trace, path, command: `npx playwright show-trace ${shellQuote(path)}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
