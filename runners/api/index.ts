export { createInstagramApiPerformer, type InstagramApiOptions, type InstagramApiPerformer } from './instagram.js';
export { readRecentComments, type CommentReadOptions, type PolledComment } from './instagram-comments.js';
export { createXApiPerformer, type XApiOptions } from './x.js';
