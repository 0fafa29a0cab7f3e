import { createHash } from 'node:crypto';
import sharp from 'sharp';

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Raw RGB pixels → PNG. Same input, same bytes: avatars are deterministic per account. */
function png(pixels: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
}

/** A 5×5 mirrored identicon on a light background, coloured from the account's handle. */
export function avatarPng(key: string, size = 150): Promise<Buffer> {
  const h = digest(key);
  const fg = [h[0]! % 160 + 40, h[1]! % 160 + 40, h[2]! % 160 + 40];
  const bg = [240, 240, 240];
  const cells = 5;
  const cell = Math.floor(size / (cells + 1));
  const margin = Math.floor((size - cell * cells) / 2);
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cx = Math.floor((x - margin) / cell);
      const cy = Math.floor((y - margin) / cell);
      const inside = x >= margin && y >= margin && cx < cells && cy < cells;
      const col = cx < 3 ? cx : 4 - cx;
      const on = inside && ((h[3 + cy * 3 + col]! & 1) === 1);
      const c = on ? fg : bg;
      pixels.set(c, (y * size + x) * 3);
    }
  }
  return png(pixels, size, size);
}

/** A diagonal-gradient placeholder photo for seeded posts and media the sandbox cannot fetch. */
export function placeholderPng(key: string, size = 320): Promise<Buffer> {
  const h = digest(key);
  const a = [h[0]!, h[1]!, h[2]!];
  const b = [h[3]!, h[4]!, h[5]!];
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * size);
      pixels.set(a.map((v, i) => Math.round(v * (1 - t) + b[i]! * t)), (y * size + x) * 3);
    }
  }
  return png(pixels, size, size);
}

/** Sniffs the image type from magic bytes; the sandbox stores only PNG, JPEG, GIF and WebP. */
export function imageExtension(bytes: Buffer): 'png' | 'jpg' | 'gif' | 'webp' | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return undefined;
}
