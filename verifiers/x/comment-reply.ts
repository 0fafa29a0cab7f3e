import type { Verification } from '../../safety/index.js';
import type { LookInput } from './look.js';
import { postById, postSince } from './publish.js';

/** A reply by the id the attempt answered (precise both ways), checked to be the account's own. */
export const replyById = (i: LookInput, id: string): Promise<Verification> => postById(i, id);

/** The account's posts since the attempt that answer `target` with this text (a content match). */
export const replySince = (i: LookInput, since: string, text: string, target: string): Promise<Verification> => postSince(i, since, text, target);
