import sharp, { type Sharp } from 'sharp';

/** A screenshot's pixels: RGBA, row by row. */
export interface DecodedImage {
  data: Buffer;
  info: { width: number; height: number; channels: 4 };
}

/** Decoded screenshots by the buffer they came in: a step's capture is decoded once for every listener. */
const DECODED = new WeakMap<Uint8Array, Promise<DecodedImage>>();

/**
 * The pixels of a PNG, decoded once per buffer: the proof listener (stored encoding, thumbnail)
 * and the drift guard (pixel comparison) take the same capture, and each decode of a 1280×900
 * screenshot is CPU the browser on a 2-core host then waits for. Shared: callers never write to it.
 */
export function decodedPng(png: Uint8Array): Promise<DecodedImage> {
  let decoded = DECODED.get(png);
  if (!decoded) {
    decoded = sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true }).then(({ data, info }) => ({ data, info: { width: info.width, height: info.height, channels: 4 as const } }));
    DECODED.set(png, decoded);
  }
  return decoded;
}

/** A sharp pipeline over decoded pixels (no second decode). */
export function fromDecoded(image: DecodedImage): Sharp {
  return sharp(image.data, { raw: image.info }).removeAlpha();
}
