// A farm process of the product (test/helpers/farm-child.ts) under a test's control: its stdout
// lines (JSON), a wait for a line, its exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./farm-child.ts', import.meta.url));

export interface FarmChild {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves at the first stdout line matching `pred`. */
  until(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** What the process wrote to stderr so far (its log, with RAIZE_TEST_FARM_LOG). */
  stderr(): string;
}

/** Every farm process started: whatever a failed test left running is killed by `killStartedFarms`. */
const started: ChildProcess[] = [];

export function killStartedFarms(): void {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts farm-child.ts on `dataDir` with `env`, its attempts writing to `truth` and holding their answer `holdMs`. */
export function startFarmProcess(dataDir: string, truth: string, holdMs: number, env: NodeJS.ProcessEnv): FarmChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, truth, String(holdMs)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  started.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, i)) as Record<string, unknown>;
      buffer = buffer.slice(i + 1);
      lines.push(line);
      for (const w of waiters.filter((x) => x.pred(line))) w.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, lines, exited,
    stderr: () => stderr,
    until(pred, timeoutMs = 90_000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`farm process: no such line within ${timeoutMs} ms; stdout ${JSON.stringify(lines)}; stderr ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}
