import { test, expect } from '@playwright/test';
import { ownRepliesIn } from '../../flows/index.js';

const ORIGIN = 'http://127.0.0.1:4100/p/Cabc/';

test.describe('Instagram comment replies as the web shows them (issue 12 review)', () => {
  test('should take a reply\'s id only from its own permalink on this post, and carry no id for a reply without one', () => {
    const rows = [
      { author: 'lumen', text: 'Check your DMs!', href: '/p/Cabc/c/1801/' },
      { author: ' lumen ', text: 'Check your DMs!', href: '' },
      { author: 'lumen', text: 'Check your DMs!', href: '/p/Cother/c/1802/' },
      { author: 'lumen', text: 'Check your DMs!', href: '/explore/tags/c/1803/' },
      { author: 'lumen', text: 'Check your DMs!', href: 'https://www.instagram.com/p/Cabc/c/1804/?utm=x' },
      { author: 'marco', text: 'Check your DMs!', href: '/p/Cabc/c/1805/' },
      { author: 'lumen', text: 'Check your DMs', href: '/p/Cabc/c/1806/' },
    ];
    const found = ownRepliesIn(rows, 'lumen', 'Check your DMs!', 'Cabc', ORIGIN);
    expect(found).toEqual([
      { id: '1801', permalink: 'http://127.0.0.1:4100/p/Cabc/c/1801/' },
      {},
      {},
      {},
      { id: '1804', permalink: 'http://127.0.0.1:4100/p/Cabc/c/1804/' },
    ]);
    // Never an empty id, whatever the page shows.
    expect(found.every((r) => r.id === undefined || /^\d+$/.test(r.id))).toBe(true);
  });
});
