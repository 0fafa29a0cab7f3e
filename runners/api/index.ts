export { createInstagramApiPerformer, type InstagramApiOptions } from './instagram.js';
export { createXApiPerformer, type XApiOptions } from './x.js';
