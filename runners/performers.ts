import type { Lane, Platform } from '../store/index.js';
import type { Performer, PerformerResolver } from '../safety/index.js';

/** Lane performers by lane and platform; the kernel asks it for the one of each action. */
export class PerformerRegistry {
  private readonly byKey = new Map<string, Performer>();

  register(lane: Lane, platform: Platform, performer: Performer): this {
    this.byKey.set(`${lane}:${platform}`, performer);
    return this;
  }

  readonly resolve: PerformerResolver = (action) => {
    const performer = this.byKey.get(`${action.lane}:${action.platform}`);
    if (!performer) throw new Error(`no ${action.lane} performer for ${action.platform}`);
    return performer;
  };
}
