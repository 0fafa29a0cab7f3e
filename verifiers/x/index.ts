/**
 * The read-only looks of the X API lane (§6.3), one module per action type: publish and reply
 * (a post by id, the timeline since the attempt), like (the account's likes), delete (the post
 * by id), DM (the conversation since the attempt). Each says whether it identified the object
 * precisely (by id, or the complete set of what the account did since the attempt began) or
 * matched content only, which never proves absence.
 */
export { type LookInput } from './look.js';
export { normaliseText, samePost, repliedTo } from './text.js';
export { postById, postSince } from './publish.js';
export { replyById, replySince } from './comment-reply.js';
export { likeOf } from './like.js';
export { deletedById } from './delete.js';
export { dmSince } from './dm-send.js';
