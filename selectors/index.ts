export { Annex, LayoutAnnex, AnnexLayoutFile, ElementFingerprint, parseAnnex, parseAnnexLayoutFile, annexFromLayoutFiles } from './schema.js';
export { loadAnnex, ANNEX_DIR } from './load.js';
export { INSTAGRAM_ANNEX, INSTAGRAM_BLOCKED_TOAST } from './instagram.js';
export { X_ANNEX, X_BLOCKED_TOAST } from './x.js';
