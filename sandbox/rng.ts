import { createHash } from 'node:crypto';

/** A seeded pseudo-random source in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast and good enough to make fault sequences repeat for a given seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives a 32-bit seed from any parts, so each fault rule gets its own stream. */
export function deriveSeed(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join(':')).digest().readUInt32BE(0);
}
