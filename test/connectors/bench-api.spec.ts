import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { benchApi } from '../../bench/api.js';

// A small run of the `api` bench entry (npm run bench -- --only api): it must run end to end
// and report its figures. Speed targets are the bench's business, never a test's.
test('should run the api bench entry end to end and report publish, bare and ratio', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'raize-bench-api-'));
  try {
    const entry = await benchApi(dir, 1);
    expect(entry.name).toBe('api');
    for (const figure of ['publish_ms', 'bare_ms', 'ratio']) expect(entry.figures[figure], figure).toBeGreaterThan(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
