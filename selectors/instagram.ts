import type { Annex } from './schema.js';
import { loadAnnex } from './load.js';

/**
 * The Instagram annex: known layouts of the web UI, read from the reviewed data files
 * `selectors/instagram/<layout>.json`. Only v1 is recorded; any other layout is unknown (drift)
 * until a human records it (`raize annex record`) after reviewing the drift report.
 */
export const INSTAGRAM_ANNEX: Annex = loadAnnex('instagram');

/** Text of the toast that means the platform blocked the action (§8.4), when the annex's texts do not say. */
export const INSTAGRAM_BLOCKED_TOAST = /action blocked/i;
