import { createHash } from 'node:crypto';
import type { Platform } from './types.js';

/**
 * An account's avatar URL path as a CDN shows it: opaque, never containing the account's id
 * (Instagram `/v/t51.2885-19/<hash>_n.png`, X `/profile_images/<hash>/avatar_normal.png`).
 * A reader cannot tell whose avatar it is from the URL — identity must come from what the page
 * says (handle, name, switcher), as on the real sites.
 */
export function avatarPath(platform: Platform, accountId: string): string {
  const key = avatarKey(platform, accountId);
  return platform === 'instagram' ? `/v/t51.2885-19/${key}_n.png` : `/profile_images/${key}/avatar_normal.png`;
}

export function avatarKey(platform: Platform, accountId: string): string {
  return createHash('sha256').update(`avatar|${platform}|${accountId}`).digest('hex').slice(0, 24);
}
