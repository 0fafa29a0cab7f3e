import type { ActionType } from '../../safety/index.js';
import type { Flow } from '../types.js';
import { dmSendFlow } from './dm-send.js';
import { likeFlow } from './like.js';
export { xLogin } from './login.js';
import { publishFlow } from './publish.js';
import { replyFlow } from './reply.js';

/** X browser-lane flows by action type (the annex is selectors/x.ts). */
export const X_FLOWS: Partial<Record<ActionType, Flow>> = {
  publish: publishFlow,
  like: likeFlow,
  comment_reply: replyFlow,
  dm_send: dmSendFlow,
};

/** The same map under the name the issue uses. */
export const xFlows = X_FLOWS;

export { dmSendFlow, likeFlow, publishFlow, replyFlow };

/** The annex elements an X flow commits with (`surface.key`): each needs a recorded fingerprint (flows/element.ts). */
export const X_COMMIT_ELEMENTS = ['composer.submit', 'status.like', 'status.reply_submit', 'dm_thread.send'] as const;
