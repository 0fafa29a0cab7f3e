import { Platform } from '../../../store/index.js';

/** The platforms in a fixed order: index i of the shared array is PLATFORMS[i]'s runner limit. */
export const PLATFORMS = Platform.options;

/** Runner limits per platform, shared between the farm's thread (writer) and its dispatch jobs (readers). */
export function createSharedLimits(max: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(4 * PLATFORMS.length);
  new Int32Array(buffer).fill(max);
  return buffer;
}

export function writeLimit(buffer: SharedArrayBuffer, platform: Platform, limit: number): void {
  Atomics.store(new Int32Array(buffer), PLATFORMS.indexOf(platform), limit);
}

export function readLimit(buffer: SharedArrayBuffer, platform: Platform): number {
  return Atomics.load(new Int32Array(buffer), PLATFORMS.indexOf(platform));
}
