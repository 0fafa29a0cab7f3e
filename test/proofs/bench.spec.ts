import { measureDriftCompare, measureProofCapture } from '../../proofs/index.js';
import { test, expect, loginInstagram, SEED_POST, V1_POST_DYNAMIC } from './fixtures.js';

test.describe('proof and drift benchmarks', () => {
  test('should measure ms per proof step and per drift compare on a sandbox page', async ({ page, ig, store }) => {
    test.setTimeout(120_000);
    await loginInstagram(page, ig);
    await page.goto(`${ig}${SEED_POST}`);
    const webp = await measureProofCapture(page, store, 5);
    const png = await measureProofCapture(page, store, 5, { screenshot: { format: 'png' } });
    const drift = await measureDriftCompare(page, 5, { maskSelectors: V1_POST_DYNAMIC });
    for (const r of [webp, png, drift]) {
      expect(r.n).toBe(5);
      expect(r.median_ms).toBeGreaterThan(0);
      expect(r.cpu_ms).toBeGreaterThan(0);
    }
    console.log(JSON.stringify({ proof_step_webp: webp, proof_step_png: png, drift_compare: drift }));
  });
});
