import { test } from '@playwright/test';

/**
 * The store the running test's kernel uses: `postgres` in the Playwright projects whose metadata
 * says so (`kernel-pg`: the kernel suite again on PostgreSQL), else the SQLite file.
 */
export function testStoreKind(): 'sqlite' | 'postgres' {
  try {
    return test.info().project.metadata?.store === 'postgres' ? 'postgres' : 'sqlite';
  } catch {
    return 'sqlite'; // outside a test (a child process, a script)
  }
}
