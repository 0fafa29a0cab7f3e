/**
 * The read-only looks of the Instagram API lane (§6.3), one module per action type: publish (by
 * id, by another lane's permalink, by the kept container and the listing), comment reply (by id,
 * else the comment's replies), DM (by message id, else the conversation), delete (the post by id).
 */
export { assertOwn, inconclusive, normalise, proofsOf, shortcodeIn, CLOCK_SKEW_MS } from './common.js';
export { publishedPost, type PublishLook } from './publish.js';
export { postedReply } from './comment-reply.js';
export { sentMessage } from './dm-send.js';
export { deletedMedia } from './delete.js';
