import type { AnchorCheck, BrowserPerformer } from '../browser-performer.js';
import type { Platform, Store } from '../../store/index.js';

/**
 * One scheduled drift check: for each platform with an active, connected account, that
 * account's anchor surface is opened read-only (BrowserPerformer.checkAnchors). A layout that
 * matches no known version lands in the drift report and stops the platform's side effects
 * until a human confirms a baseline — found between episodes, not by the next publish.
 */
export async function checkAnchorDrift(store: Store, performer: Pick<BrowserPerformer, 'checkAnchors'>, platforms?: readonly Platform[]): Promise<AnchorCheck[]> {
  const seen = new Set<Platform>();
  const out: AnchorCheck[] = [];
  for (const account of await store.accounts.list()) {
    if (seen.has(account.platform) || account.state !== 'active' || !account.session_ref) continue;
    if (platforms && !platforms.includes(account.platform)) continue;
    seen.add(account.platform);
    out.push(await performer.checkAnchors(account));
  }
  return out;
}
