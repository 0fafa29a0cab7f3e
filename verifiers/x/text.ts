import type { XPost } from '../../connectors/index.js';

/** Text as X compares it: NFC, t.co links back to what was sent, X's HTML escapes undone, spaces folded. */
export function normaliseText(text: string, urls: { url: string; expanded_url?: string }[] = []): string {
  let s = text.normalize('NFC');
  for (const u of urls) if (u.expanded_url) s = s.split(u.url).join(u.expanded_url);
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').trim();
}

export const samePost = (p: XPost, text: string) => normaliseText(p.text, p.entities?.urls) === normaliseText(text);
export const repliedTo = (p: XPost) => p.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
