import { test, expect } from '@playwright/test';
import { extraAccounts, historyPosts, SEED_ACCOUNTS } from '../../sandbox/index.js';

test.describe('sandbox history (older posts per business account)', () => {
  test('should give every business account its own posts, one a day, with ids and shortcodes no other account shares', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    const accounts = [...SEED_ACCOUNTS, ...extraAccounts(999)];
    const posts = historyPosts(accounts, 6, now);
    const business = accounts.filter((a) => a.kind === 'business');
    expect(posts).toHaveLength(business.length * 6);
    expect(new Set(posts.map((p) => `${p.platform}:${p.id}`)).size).toBe(posts.length);
    expect(new Set(posts.map((p) => `${p.platform}:${p.code}`)).size).toBe(posts.length);
    const northwind = posts.filter((p) => p.account_id === '17841400000000001');
    expect(northwind.map((p) => Date.parse(p.created_at))).toEqual([1, 2, 3, 4, 5, 6].map((k) => now - k * 86_400_000));
  });
});
