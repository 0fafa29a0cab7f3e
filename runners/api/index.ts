export { createInstagramApiPerformer, type InstagramApiOptions, type InstagramApiPerformer } from './instagram.js';
export { readRecentComments, type CommentReadOptions } from './instagram-comments.js';
export { createXApiPerformer, type XApiOptions } from './x.js';
