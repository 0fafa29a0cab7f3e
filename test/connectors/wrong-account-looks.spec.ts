import { WrongAccountEffectError, type Action } from '../../safety/index.js';
import { createActionContext } from '../../safety/context.js';
import { test, expect, IG, X } from '../sandbox/fixtures.js';
import { igLane } from './ig-harness.js';
import { xLane } from './x-lane.js';

/**
 * Issue 8 on the API lane: a look by the id the attempt answered reads whose object it is. An id
 * that names another account's post (a token of another account, a mixed-up id) is never this
 * action's success: the look raises WrongAccountEffectError and the kernel escalates.
 */
const lookContext = (h: { services: { logger: Parameters<typeof createActionContext>[0]['logger'] } }, action: Action, account: Parameters<typeof createActionContext>[0]['account']) =>
  createActionContext({ action: () => action, account, deadline: Date.now() + 30_000, logger: h.services.logger, addProof: () => undefined });

test('should raise WrongAccountEffectError when the Instagram media the receipt names is another account\'s post', async ({ sandbox }) => {
  const lane = await igLane(sandbox);
  try {
    const action = await lane.submit({ action_type: 'publish', payload: { caption: 'Whose post?', media: [{ source: `${sandbox.platforms.instagram}/media/seed-17900000000000002.png` }] } });
    const performer = lane.h.services.performers.resolve(action);
    const ctx = lookContext(lane.h, action, lane.account);
    // 17900000000000002 is lumen.studio's seeded post.
    await expect(performer.verify(ctx, { platform_object_id: '17900000000000002' })).rejects.toThrow(WrongAccountEffectError);
    await expect(performer.verify(ctx, { platform_object_id: '17900000000000002' })).rejects.toThrow(`@${IG.lumen.handle}`);
    // The account's own post by id is present.
    const own = await performer.verify(ctx, { platform_object_id: '17900000000000001' });
    expect(own.outcome).toBe('present');
    ctx.dispose();
  } finally {
    await lane.close();
  }
});

test('should raise WrongAccountEffectError when the X post the receipt names is another user\'s', async ({ sandbox }) => {
  const lane = await xLane(sandbox.platforms.x);
  try {
    const action = await lane.submit('publish', { text: 'Whose post?' });
    const performer = lane.h.services.performers.resolve(action);
    const ctx = lookContext(lane.h, action, lane.account());
    await expect(performer.verify(ctx, { platform_object_id: '1860000000000000002' })).rejects.toThrow(`user ${X.lumen.id}`);
    ctx.dispose();
  } finally {
    await lane.close();
  }
});
