import type { ActionType } from '../../safety/index.js';
import type { Flow } from '../types.js';
import { instagramCommentReply } from './comment-reply.js';
export { ownRepliesIn, type ShownReply } from './comment-reply.js';
export { tileDatedBefore } from './common.js';
import { instagramDelete } from './delete.js';
import { instagramDmSend } from './dm-send.js';
import { instagramFollow } from './follow.js';
import { instagramLike } from './like.js';
import { instagramPublish } from './publish.js';

export { instagramLogin } from './login.js';
export { readOwnComments, type WebComment, type WebCommentReadOptions } from './comments-read.js';
export { instagramPublish, instagramDelete, instagramLike, instagramFollow, instagramCommentReply, instagramDmSend };

/** Instagram flows by action type, for the browser performer. */
export const INSTAGRAM_FLOWS: Partial<Record<ActionType, Flow>> = {
  publish: instagramPublish,
  delete: instagramDelete,
  like: instagramLike,
  follow: instagramFollow,
  comment_reply: instagramCommentReply,
  dm_send: instagramDmSend,
};

/** The annex elements an Instagram flow commits with (`surface.key`): each needs a recorded fingerprint (flows/element.ts). */
export const INSTAGRAM_COMMIT_ELEMENTS = ['composer.share', 'post.like', 'post.confirm_delete', 'post.reply_submit', 'profile.follow', 'dm_thread.send'] as const;
