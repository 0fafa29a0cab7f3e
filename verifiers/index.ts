/**
 * Read-only outcome checks (spec 000 §6.3), one module per platform and action type. The API
 * lane's live here; the browser lane's are its flows' `verify` (flows/<platform>/<action>.ts),
 * which read pages with the flows' own helpers.
 */
export * as xLooks from './x/index.js';
export * as igLooks from './instagram/index.js';
