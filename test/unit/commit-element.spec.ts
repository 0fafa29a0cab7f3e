import { test, expect } from '@playwright/test';
import { agreement, assertCommitElement, CommitElementError, readSignals, type FlowContext } from '../../flows/index.js';
import type { ElementFingerprint } from '../../selectors/index.js';

/** Issue 13: the commit click's element must agree with its recorded fingerprint on two independent signals. */
const SEND: ElementFingerprint = { role: 'button', names: ['Send', 'Enviar'], texts: ['Send', 'Enviar'], testid: 'send-button', landmark: 'main>form' };

test('should count test id, name or text, and role among landmarks as the three signals, numbers folded', () => {
  const seen = { role: 'button', name: 'Enviar', testid: 'send-button', text: 'Enviar', landmark: 'main>form' };
  expect(agreement(SEND, seen)).toEqual({ testid: true, name: true, place: true, count: 3 });
  // Name and text are one signal: a button's name is usually its text.
  expect(agreement(SEND, { ...seen, testid: 'other', landmark: 'main' })).toMatchObject({ name: true, count: 1 });
  expect(agreement(SEND, { ...seen, role: 'link' })).toMatchObject({ place: false, count: 2 });
  const like: ElementFingerprint = { role: 'button', names: ['# Likes. Like'], texts: [], testid: '#-like', landmark: 'main>article>form' };
  expect(agreement(like, { role: 'button', name: '1,204 Likes. Like', testid: '17841-like', text: '♡', landmark: 'main>article>form' }).count).toBe(3);
});

test('should read an element\'s signals as a screen reader would, landmarks outermost first', async ({ page }) => {
  await page.setContent('<nav><a href="/">Home</a></nav><main><div class="x1"><form><div><button data-testid="send-button" aria-label="Send">➤</button></div></form></div></main>');
  expect(await readSignals(page.getByTestId('send-button'))).toEqual({ role: 'button', name: 'Send', testid: 'send-button', text: '➤', landmark: 'main>form' });
});

test('should refuse a commit element that agrees by one signal, with candidates, and never log words the annex did not record', async ({ page }) => {
  // A deploy put the send button's test id on a message bubble in an article: test id only.
  await page.setContent(`<main><article><div role="button" data-testid="send-button">Ana, the door code is 4321</div></article>
    <form><button aria-label="Send">Send</button></form></main>`);
  const logs: { msg: string; data: unknown }[] = [];
  const fc = {
    page, action: { platform: 'instagram' }, layout: { version: 'v1', annex: { elements: { 'dm_thread.send': SEND } } },
    episode: { log: (msg: string, data: unknown) => logs.push({ msg, data }) },
  } as unknown as FlowContext;
  const refused = await assertCommitElement(fc, 'dm_thread.send', page.getByTestId('send-button')).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(CommitElementError);
  expect((refused as CommitElementError).code).toBe('drift');
  expect((refused as Error).message).toMatch(/matches its fingerprint by 1 signal\(s\) \(testid\), 2 needed: not clicked \(2 candidate\(s\)/);
  expect((refused as CommitElementError).candidates.map((c) => c.name)).toContain('Send');
  const logged = JSON.stringify(logs);
  expect(logged).toContain('commit element refused');
  expect(logged).not.toContain('door code');
  expect(logged).toMatch(/sha256:[0-9a-f]{16}/);
  // An element the annex has no fingerprint for is never clicked.
  await expect(assertCommitElement(fc, 'composer.share', page.getByRole('button'))).rejects.toThrow(/no fingerprint for commit element composer\.share/);
  // The real button (its test id gone in this deploy) still agrees by name and place: clicked.
  expect(await assertCommitElement(fc, 'dm_thread.send', page.locator('form button'))).toMatchObject({ testid: false, name: true, place: true, count: 2 });
});
