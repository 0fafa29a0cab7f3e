import type { KeywordRule, Store } from '../../store/index.js';

/**
 * Turns the engage loop on for a client with one keyword rule: a new policy version from the
 * current one, with comment replies and DMs allowed on Instagram.
 */
export async function enableEngage(store: Store, clientId: string, rule: Omit<KeywordRule, 'enabled'> & { enabled?: boolean }): Promise<void> {
  const current = await store.policies.current(clientId);
  if (!current) throw new Error(`client ${clientId} has no policy to extend`);
  const { policy_id: _id, version: _v, created_at: _c, ...rest } = current;
  await store.policies.put({
    ...rest, created_by: 'ops@agency',
    allowed_actions: { ...rest.allowed_actions, instagram: [...new Set([...(rest.allowed_actions.instagram ?? []), 'comment_reply', 'dm_send'] as const)] },
    dm: { ...rest.dm, engage: { enabled: true, rules: [{ enabled: true, ...rule }] } },
  });
}
