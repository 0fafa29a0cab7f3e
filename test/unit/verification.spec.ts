import { test, expect } from '@playwright/test';
import { DriftError, runAction } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

test.describe('verification loop (spec 000 §6.3)', () => {
  test('should name in the audit why each verification look was inconclusive', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    platform.verify = async () => {
      throw new DriftError('post surface drifted');
    };
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      const reasons = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      const code = /verification try 1: inconclusive \((\w+)\)/.exec(reasons.join('\n'))?.[1];
      expect(code).toBeTruthy();
      expect(reasons.filter((r) => r.startsWith('verification try ')).every((r) => r.endsWith(`inconclusive (${code})`))).toBe(true);
      // The look right after the ambiguous attempt says so too.
      expect(reasons.some((r) => /outcome unknown after attempt 1 \(verification: \w+\)$/.test(r) && r.endsWith(`(verification: ${code})`))).toBe(true);
    } finally {
      await h.close();
    }
  });
});
