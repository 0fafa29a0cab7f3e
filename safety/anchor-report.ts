import type { AnchoredVerdict } from './anchor.js';

/**
 * What `raize audit verify` prints: `summary` (stdout) says what was verified; `problems`
 * (stderr, after a FAILED line) names what failed. The same text the tests assert on.
 */
export function describeAnchoredVerdict(v: AnchoredVerdict): { summary: string[]; problems: string[] } {
  const summary: string[] = [];
  summary.push(v.chain.ok
    ? `audit chain intact: ${v.chain.count} events, head seq ${v.head.seq} hash ${v.head.hash}`
    : `audit chain BROKEN at seq ${v.chain.broken.seq}: ${v.chain.count} events before it verified`);
  const { file, store, keyId } = v.checkpoints;
  summary.push(`checkpoints: ${file} in the checkpoint file, ${store} in the store; key ${keyId ?? '(none yet)'}`);
  const unanchored = Math.max(0, v.head.seq - v.anchoredSeq);
  summary.push(v.anchoredSeq > 0
    ? `anchored: events 1–${v.anchoredSeq} covered by a signed checkpoint; ${unanchored} after seq ${v.anchoredSeq} not yet anchored`
    : `anchored: none; ${unanchored} event(s) not yet anchored${file + store === 0 ? ' (run `raize audit checkpoint`)' : ''}`);
  if (v.anchor) summary.push(`anchor copy: checkpoint at seq ${v.anchor.seq} ${v.anchor.ok ? 'holds' : 'does NOT hold'}`);
  if (v.actions) summary.push(`actions: ${v.actions.checked} cross-checked against their ${v.actions.events} events`);
  return { summary, problems: v.problems };
}
