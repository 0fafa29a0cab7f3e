import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../postgres-cluster.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'raize.mjs');
/** How long a killed browser server stays down before it is started again on its port. */
export const BROWSER_SERVER_DOWN_MS = 4000;

/** How long a browser server may take to start before the run gives up on it. */
const START_TIMEOUT_MS = 180_000;

interface Served {
  port: number;
  token: string;
  ws: string;
  child: ChildProcess;
}

/**
 * The remote browser servers of a multi-host chaos run: `raize browser-server` processes on
 * loopback, each with its own port and token, that the farm processes reach through
 * RAIZE_BROWSER_ENDPOINTS as farms on other machines would. `kill` SIGKILLs one mid-run (its
 * Chromium goes with it, every context and page on it gone) and starts it again on the same
 * port and token after BROWSER_SERVER_DOWN_MS, as a supervisor would restart a crashed host.
 */
export class ChaosBrowserServers {
  private readonly servers: Served[] = [];
  private generation = 0;

  private constructor(private readonly env: NodeJS.ProcessEnv, private readonly logDir: string) {}

  static async start(count: number, env: NodeJS.ProcessEnv, logDir: string): Promise<ChaosBrowserServers> {
    const set = new ChaosBrowserServers(env, logDir);
    try {
      for (let i = 0; i < count; i++) {
        const port = await freePort();
        const token = randomBytes(24).toString('base64url');
        set.servers.push({ port, token, ...(await set.spawn(port, token)) });
      }
    } catch (error) {
      await set.close(); // the ones already up, or the run's process would never exit
      throw error;
    }
    return set;
  }

  /** The endpoints, as RAIZE_BROWSER_ENDPOINTS lists them (comma-separated ws URLs; secrets). */
  get endpoints(): string {
    return this.servers.map((s) => s.ws).join(',');
  }

  private spawn(port: number, token: string): Promise<{ ws: string; child: ChildProcess }> {
    const child = spawn(process.execPath, [BIN, 'browser-server', '--port', String(port)], {
      env: { ...this.env, RAIZE_BROWSER_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.pipe(createWriteStream(join(this.logDir, `browser-server-${port}-${this.generation++}.log`)));
    return new Promise((resolve, reject) => {
      let buffer = '';
      // Chromium's start on a loaded two-core machine (three chaos runs at once) took over a minute.
      const timer = setTimeout(() => {
        child.removeAllListeners('exit');
        child.kill('SIGKILL');
        reject(new Error(`browser server on port ${port} did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`browser server on port ${port} exited (${code}) before it was ready`));
      });
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const line = buffer.split('\n').find((l) => l.startsWith('{"ws"'));
        if (!line) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ ws: (JSON.parse(line) as { ws: string }).ws, child });
      });
    });
  }

  /** SIGKILLs server `index` and starts it again on the same port and token once it has been down a while. */
  async kill(index: number): Promise<void> {
    const served = this.servers[index % this.servers.length]!;
    const exited = new Promise<void>((resolve) => served.child.once('exit', () => resolve()));
    served.child.kill('SIGKILL');
    await exited;
    await new Promise((resolve) => setTimeout(resolve, BROWSER_SERVER_DOWN_MS));
    // The port may still be held a moment by the dead Chromium's side: a few tries.
    for (let attempt = 0; ; attempt++) {
      try {
        Object.assign(served, await this.spawn(served.port, served.token));
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => {
      if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
      s.child.once('exit', () => resolve());
      s.child.kill('SIGTERM');
    })));
  }
}
