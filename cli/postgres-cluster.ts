import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster for the test suite, the multi-host chaos run and benchmarks
 * (issue 14): Debian's `initdb` + `pg_ctl`, run as the `postgres` user when we are root (initdb
 * refuses root), in a directory under /var/tmp (on these machines /tmp is 0700 root, which the
 * postgres user cannot enter), listening on 127.0.0.1 only on a free port, with a password.
 * Installs Debian's `postgresql` package when it is missing, as `scripts/ensure-env.mjs` does
 * for Chromium.
 */
export interface ThrowawayCluster {
  /** `postgres://raize:…@127.0.0.1:PORT/raize` — the superuser's database. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** A fresh database on the cluster (its URL), for one test or one run. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory (`/usr/lib/postgresql/15/bin`), or null. */
export function postgresBinDir(): string | null {
  if (process.env.RAIZE_PG_BIN) return process.env.RAIZE_PG_BIN;
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : null;
}

/** Installs Debian's `postgresql` package when no server is installed (root only). */
export function ensurePostgresInstalled(): string {
  const found = postgresBinDir();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.error('[raize] installing PostgreSQL from Debian (apt-get install -y postgresql)…');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const installed = postgresBinDir();
    if (installed) return installed;
  }
  throw new Error('No PostgreSQL server found. Install Debian\'s "postgresql" package (as root: apt-get install -y postgresql) or set RAIZE_PG_BIN to its bin directory.');
}

/** A free loopback port (the server that found it is closed before the caller binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The file in a cluster's directory naming the process that started it. */
const OWNER_FILE = 'owner.pid';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Stops and removes the throwaway clusters under `parent` whose starting process is gone: a run
 * killed before its `stop()` (a CI timeout, a SIGKILLed test runner) leaves a postmaster and its
 * directory behind, and they add up. A directory without an owner file is one being created, or
 * not ours: left alone. Returns the directories removed.
 */
export function sweepOrphanClusters(parent = '/var/tmp', bin = postgresBinDir()): string[] {
  const removed: string[] = [];
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    if (!name.startsWith('raize-pg-')) continue;
    const dir = join(parent, name);
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    const data = join(dir, 'data');
    if (bin && existsSync(join(data, 'postmaster.pid'))) {
      const args = [join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'];
      if (process.getuid?.() === 0) spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
      else spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
    }
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Starts a new cluster; `stop()` shuts it down and removes its directory. Sweeps orphans of killed runs first. */
export async function startThrowawayCluster(options: { parent?: string; durable?: boolean } = {}): Promise<ThrowawayCluster> {
  const bin = ensurePostgresInstalled();
  const asRoot = process.getuid?.() === 0;
  const parent = options.parent ?? '/var/tmp';
  sweepOrphanClusters(parent, bin);
  const dir = mkdtempSync(join(parent, 'raize-pg-'));
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    owner = { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  chmodSync(dir, 0o700);
  // Every command as the cluster's owner: the postgres user when we are root.
  const as = (cmd: string, args: string[]) => {
    const run = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' }) : spawnSync(join(bin, cmd), args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${cmd} failed (exit ${run.status}): ${(run.stderr || run.stdout || String(run.error)).trim().slice(0, 2000)}`);
    return run.stdout;
  };
  as('initdb', ['-D', data, '-U', 'raize', '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C', '--no-sync']);
  rmSync(pwfile);
  const port = await freePort();
  // Loopback only, the socket in our own directory; fsync off: a throwaway cluster trades
  // durability for speed (the SQLite store's durability is tested elsewhere; this one's
  // semantics) — unless `durable` (the benchmarks: commits cost what they cost on a real server).
  const settings = [
    `listen_addresses = '127.0.0.1'`, `port = ${port}`, `unix_socket_directories = '${dir}'`,
    ...(options.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']), 'max_connections = 200',
    'shared_buffers = 64MB', `log_min_messages = warning`,
  ];
  writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
  if (owner) chownSync(join(data, 'postgresql.auto.conf'), owner.uid, owner.gid);
  as('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const url = `postgres://raize:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  // For whoever inspects a cluster a failed run left up (owner-only, in the owner-only directory).
  writeFileSync(join(dir, 'url'), `${url}\n`, { mode: 0o600 });
  const pg = await import('pg');
  let stopped = false;
  return {
    url, port, dir,
    async createDatabase(name = `t_${randomBytes(6).toString('hex')}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be lower-case letters, digits and _`);
      const client = new pg.default.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
