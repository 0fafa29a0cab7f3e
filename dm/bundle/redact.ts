import { createHash } from 'node:crypto';

export const sha256Hex = (text: string | Uint8Array) => createHash('sha256').update(text).digest('hex');

/** A value the public bundle names without showing: `sha256:<hex>` of its bytes. */
export const pseudonym = (value: string) => `sha256:${sha256Hex(value)}`;

const URL = /\bhttps?:\/\/\S+|\bwww\.\S+/gi;
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/g;
const HANDLE = /@[\w.]+/g;
const DIGITS = /\d/g;

/**
 * A redacted preview for the public bundle: the shape of the first words (first letter, the
 * rest masked), links, addresses, handles and digits masked whole. A message escalated to a
 * person shows nothing at all: its words are the most sensitive.
 */
export function redactedPreview(text: string, escalated: boolean): string {
  if (escalated) return '[withheld: escalated]';
  if (!text.trim()) return '[empty]';
  const masked = text.replace(URL, '[link]').replace(EMAIL, '[email]').replace(HANDLE, '@[handle]').replace(DIGITS, '#');
  const words = masked.split(/\s+/).filter(Boolean);
  // Each word keeps its first letter; every other letter is masked, whatever joins them ("re-book" → "r•-••••").
  const shown = words.slice(0, 8).map((w) => (/^\[|^@\[/.test(w) ? w : w.replace(/(?<=.)\p{L}/gu, '•')));
  return shown.join(' ') + (words.length > 8 ? ' …' : '');
}
