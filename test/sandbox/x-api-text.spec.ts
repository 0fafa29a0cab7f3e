import { extractUrls, weightedLength } from '../../sandbox/x/text-weight.js';
import { test, expect, call, X, sha256 } from './fixtures.js';

const FAMILY = '👨‍👩‍👧‍👦';

test.describe('X weighted length (twitter-text v3)', () => {
  // Vectors from twitter-text's conformance/validate.yml (v3 configuration, emoji counted as 2).
  const cases: [string, string, number][] = [
    ['plain ASCII one each', 'This is a test.', 15],
    ['a URL with protocol as 23', 'http://test.com', 23],
    ['a URL without protocol as 23', 'test.com', 23],
    ['several URLs as 23 each', 'Test https://test.com test https://test.com test.com test', 86],
    ['ten long URLs as 23 each', 'https://www.twitter.com/aloha '.repeat(10), 240],
    ['a URL in the middle of a long post as 23', `285 chars- http://www.twitter.com/jack ${'xxxxxxxxxx-'.repeat(24)}`, 299],
    ['code points outside the BMP as 2', '\u{10000}\u{10ffff}', 4],
    ['Hangul as 2', '저찀쯿쿿', 8],
    ['a decomposed Á as one character (NFC)', 'A\u0301B', 2],
    ['Unicode 9 emoji and a skin tone as 2 each', 'Unicode 9.0 emoji: 🤠; 💃; 💃🏾', 29],
    ['Unicode 10 emoji and a tag-sequence flag as 2 each', 'Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴󠁧󠁢󠁥󠁮󠁧󠁿', 34],
    ['140 ZWJ family emoji as exactly 280', FAMILY.repeat(140), 280],
    ['a 64-character label as text, not a domain', 'randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com', 68],
  ];
  for (const [what, text, expected] of cases) {
    test(`should count ${what}`, () => {
      expect(weightedLength(text)).toBe(expected);
    });
  }

  test('should find URLs where twitter-text does, and trim trailing punctuation', () => {
    expect(extractUrls('see https://example.com/a/b?x=1. and www.example.org, or bob@example.com').map((u) => u.url)).toEqual(['https://example.com/a/b?x=1', 'www.example.org']);
    expect(extractUrls('(https://en.wikipedia.org/wiki/Rye_(grain))').map((u) => u.url)).toEqual(['https://en.wikipedia.org/wiki/Rye_(grain)']);
    expect(extractUrls('file.txt and node.js are no URLs')).toEqual([]);
  });
});

test.describe('sandbox X API v2 post text', () => {
  const post = (base: string, text: string, token: string = X.northwind.token) => call(`${base}/2/tweets`, { method: 'POST', token, body: { text } });

  test('should accept 280 weighted characters and refuse 281 with X’s too-long error', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    // 140 CJK characters weigh 280: accepted although a plain 281-character check would pass too.
    expect((await post(base, '麦'.repeat(140))).status).toBe(201);
    const cjk = await post(base, '麦'.repeat(141));
    expect(cjk.status).toBe(400);
    expect(cjk.json).toMatchObject({ title: 'Invalid Request', type: 'https://api.twitter.com/2/problems/invalid-request' });
    expect(cjk.json.errors).toEqual([{ parameters: { text: ['麦'.repeat(141)] }, message: expect.stringContaining('Your Tweet text is too long.') }]);
    // 20 emoji and a long URL: 40 + 1 + 23, far below the raw length of the text.
    const url = `https://example.com/${'long-path/'.repeat(40)}`;
    expect((await post(base, `${'🥖'.repeat(20)} ${url}`)).status).toBe(201);
    expect((await post(base, 'x'.repeat(280))).status).toBe(201);
    expect((await post(base, 'y'.repeat(281))).status).toBe(400);
    expect((await admin.effects({ platform: 'x' })).map((e) => e.payload_sha256)).toEqual([sha256('麦'.repeat(140)), sha256(`${'🥖'.repeat(20)} ${url}`), sha256('x'.repeat(280))]);
  });

  test('should answer URLs as t.co links, with the original in entities.urls', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const text = 'Rye is back: https://northwind.example.com/bread/rye?src=x and @ana_reads #sourdough';
    const created = await post(base, text);
    expect(created.status).toBe(201);
    const id = created.json.data.id as string;
    expect(created.json.data.text).toMatch(/^Rye is back: https:\/\/t\.co\/[0-9A-Za-z]{10} and @ana_reads #sourdough$/);
    const read = await call(`${base}/2/tweets/${id}?tweet.fields=entities`, { token: X.northwind.token });
    expect(read.json.data.text).toBe(created.json.data.text);
    const tco = created.json.data.text.slice(13, 36);
    expect(read.json.data.entities).toEqual({
      urls: [{ start: 13, end: 36, url: tco, expanded_url: 'https://northwind.example.com/bread/rye?src=x', display_url: 'northwind.example.com/brea…' }],
      mentions: [{ start: 41, end: 51, username: 'ana_reads', id: X.ana.id }],
      hashtags: [{ start: 52, end: 62, tag: 'sourdough' }],
    });
    // The ground truth keeps the text as sent.
    expect((await admin.effects({ platform: 'x' }))[0]).toMatchObject({ text, payload_sha256: sha256(text) });
  });
});
