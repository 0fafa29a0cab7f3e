import type { Annex } from './schema.js';
import { loadAnnex } from './load.js';

/**
 * The X annex: x.com's paths and the selectors of the layouts we know, read from the reviewed
 * data files `selectors/x/<layout>.json` (v1: left banner, x.com's `data-testid` names). Any
 * other layout matches none of v1's markers, so it is reported as drift instead of being guessed at.
 */
export const X_ANNEX: Annex = loadAnnex('x');

/** Text of the toast that means the platform blocked the action (§8.4), when the annex's texts do not say. */
export const X_BLOCKED_TOAST = /action blocked|restrict/i;
