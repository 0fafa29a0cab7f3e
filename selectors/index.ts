export { Annex, LayoutAnnex, parseAnnex } from './schema.js';
export { INSTAGRAM_ANNEX, INSTAGRAM_BLOCKED_TOAST } from './instagram.js';
export { X_ANNEX, X_BLOCKED_TOAST } from './x.js';
