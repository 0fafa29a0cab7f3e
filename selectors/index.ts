export { Annex, LayoutAnnex, parseAnnex } from './schema.js';
