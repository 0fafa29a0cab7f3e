import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startThrowawayCluster, type ThrowawayCluster } from '../../cli/postgres-cluster.js';

/** One throwaway cluster per worker process, started on first use. */
let cluster: Promise<ThrowawayCluster> | undefined;

export interface FreshDatabaseOptions {
  /** Make the database with this ICU locale (`en-US`), to show nothing depends on the server's collation. */
  icuLocale?: string;
}

/**
 * A new, empty database for one test, as a URL. With `RAIZE_TEST_PG_URL` (a cluster's
 * superuser URL, from a global setup) it is made there; otherwise on this worker's own
 * throwaway cluster, started on first use and stopped when the process exits.
 */
export async function freshDatabaseUrl(options: FreshDatabaseOptions = {}): Promise<string> {
  return createDatabaseOn(process.env.RAIZE_TEST_PG_URL ?? (await ownCluster()).url, options);
}

function ownCluster(): Promise<ThrowawayCluster> {
  cluster ??= startThrowawayCluster().then((c) => {
    // stop() is synchronous underneath (pg_ctl and rm run to completion), so it finishes inside 'exit'.
    process.once('exit', () => void c.stop());
    return c;
  });
  return cluster;
}

async function createDatabaseOn(adminUrl: string, options: FreshDatabaseOptions): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const locale = options.icuLocale;
  if (locale !== undefined && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale)) throw new Error(`not an ICU locale name: ${locale}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(locale ? `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${locale}' LOCALE 'C'` : `CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
