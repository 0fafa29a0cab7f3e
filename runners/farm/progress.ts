import type { Lane, ProgressBucket, Store } from '../../store/index.js';

const SHOWN: readonly ProgressBucket[] = ['scheduled', 'due', 'running', 'done', 'unknown', 'held', 'failed', 'blocked'];

/** One line of where the farm's actions stand, per lane: `browser: due 2 · running 1 · done 14 …`. */
export async function progressLine(store: Store, now: Date = new Date()): Promise<string> {
  const byLane = new Map<Lane, Map<ProgressBucket, number>>();
  for (const row of await store.actions.progress(now)) {
    if (!byLane.has(row.lane)) byLane.set(row.lane, new Map());
    byLane.get(row.lane)!.set(row.bucket, row.n);
  }
  if (byLane.size === 0) return 'no actions yet';
  return [...byLane].map(([lane, counts]) => `${lane}: ${SHOWN.filter((b) => counts.has(b) || ['due', 'running', 'done', 'unknown', 'held'].includes(b)).map((b) => `${b} ${counts.get(b) ?? 0}`).join(' · ')}`).join('  |  ');
}

export interface ProgressReporter {
  /** Prints the line once more (the final state) and stops. */
  stop(): Promise<void>;
}

/**
 * The live progress line: rewritten in place every second on a terminal; elsewhere (a log, CI)
 * printed as a line of its own every `logEveryMs`, only when it changed.
 */
export function startProgress(store: Store, options: { tty?: boolean; write?: (text: string) => void; everyMs?: number; logEveryMs?: number } = {}): ProgressReporter {
  const tty = options.tty ?? Boolean(process.stdout.isTTY);
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  let last = '';
  let busy = false;
  const show = async (force = false) => {
    if (busy) return;
    busy = true;
    try {
      const line = `progress     ${await progressLine(store)}`;
      if (tty) write(`\r\x1b[2K${line}`);
      else if (force || line !== last) write(`${line}\n`);
      last = line;
    } catch {
      // The store is closing: the last line printed stays.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void show(), tty ? options.everyMs ?? 1000 : options.logEveryMs ?? 10_000);
  timer.unref();
  void show();
  return {
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 20));
      await show(true);
      if (tty) write('\n');
    },
  };
}
