import { startThrowawayCluster } from '../cli/postgres-cluster.js';

/**
 * One throwaway PostgreSQL cluster for the whole run (issue 14): the kernel suite runs on both
 * store adapters, each test on a fresh database of this cluster (test/helpers/postgres.ts). The
 * cluster is Debian's, installed when missing, like Chromium; RAIZE_TEST_PG_URL set beforehand
 * (a superuser URL of a cluster of your own) skips it.
 */
export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.RAIZE_TEST_PG_URL) return undefined;
  const cluster = await startThrowawayCluster();
  // Workers inherit the environment the global setup leaves behind.
  process.env.RAIZE_TEST_PG_URL = cluster.url;
  return () => cluster.stop();
}
