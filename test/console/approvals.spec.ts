import { randomUUID } from 'node:crypto';
import { submitAction } from '../../safety/index.js';
import { test, expect, login } from './fixtures.js';

test('should let a second person approve a post while its author\'s approve is refused with the two-person rule', async ({ page, h, cspViolations }) => {
  const author = await h.token('operator', null, 'ana');
  const reviewer = await h.token('reviewer', h.a.client_id, 'ben');
  const account = h.a.accounts.find((a) => a.platform === 'instagram')!;
  const caption = `Launch teaser ${randomUUID().slice(0, 8)}`;
  const post = await submitAction(h.services.store, {
    client_id: h.a.client_id, platform_account_id: account.platform_account_id, lane: 'api', action_type: 'publish',
    payload: { caption }, risk: 'high', created_by: 'ana', due_at: new Date(Date.now() + 3_600_000).toISOString(),
  });

  await login(page, h, author);
  await page.getByRole('link', { name: 'Approvals' }).click();
  const row = page.getByRole('row', { name: new RegExp(caption) });
  await expect(row).toContainText('publish is high-risk');
  await expect(row).toContainText('you: someone else must approve');
  const refusal = page.waitForResponse((r) => r.request().method() === 'POST');
  await row.getByRole('button', { name: /^Approve publish/ }).click();
  expect((await refusal).status()).toBe(403);
  await expect(page.getByRole('alert')).toHaveText('You created this action, so you cannot approve it: the two-person rule needs someone else to approve it. Nothing was changed.');
  expect(await h.services.store.actions.approvalRecords(post.action_id)).toEqual([]);
  await page.getByRole('button', { name: 'Log out' }).click();

  await login(page, h, reviewer);
  await page.getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('row', { name: new RegExp(caption) }).getByRole('button', { name: /^Approve publish/ }).click();
  await expect(page.getByRole('status')).toContainText('Approved');
  await expect(page.getByRole('row', { name: new RegExp(caption) })).toHaveCount(0);
  const approvals = await h.services.store.actions.approvalRecords(post.action_id);
  expect(approvals.map((a) => a.approver)).toEqual(['ben']);
  // The schedule shows who approved it; it stays queued until it is due.
  await page.getByRole('link', { name: 'Schedule' }).click();
  await expect(page.getByRole('row', { name: new RegExp(caption) })).toContainText('approved by ben');
  expect((await h.services.store.actions.get(post.action_id))!.state).toBe('queued');
  expect(cspViolations).toEqual([]);
});
