import type { ActionType } from '../../safety/index.js';
import type { Flow } from '../types.js';
import { instagramPublish } from './publish.js';

export { instagramLogin } from './login.js';
export { instagramPublish };

/** Instagram flows by action type, for the browser performer. */
export const INSTAGRAM_FLOWS: Partial<Record<ActionType, Flow>> = {
  publish: instagramPublish,
};
