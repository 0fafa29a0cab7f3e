export { createInstagramApiPerformer, type InstagramApiOptions } from './instagram.js';
