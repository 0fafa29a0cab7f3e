import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../store/hash.js';
import { safeSegment, writePrivateFile } from './files.js';

/** A rectangle in CSS pixels of the viewport (= screenshot pixels at device scale 1). */
export const Box = z.object({ x: z.number(), y: z.number(), width: z.number().nonnegative(), height: z.number().nonnegative() });
export type Box = z.infer<typeof Box>;

/** Identifies one baseline: a surface of a platform in one layout version. */
export interface BaselineKey {
  platform: string;
  surface: string;
  layout: string;
}

/** The `.json` beside a baseline's `.png`. */
export const BaselineMeta = z.object({
  platform: z.string(),
  surface: z.string(),
  layout: z.string(),
  /** DOM-structure fingerprint of the surface when the baseline was confirmed. */
  structure: z.string().regex(/^[0-9a-f]{64}$/),
  png_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Dynamic regions seen on the baseline; masked on both images at compare time. */
  mask_boxes: z.array(Box).default([]),
  recorded_at: z.string(),
  confirmed_by: z.string().min(1),
  /** The drift record whose screenshot was promoted, when it came from one. */
  from_record: z.string().optional(),
});
export type BaselineMeta = z.infer<typeof BaselineMeta>;

export interface Baseline {
  meta: BaselineMeta;
  png: Buffer;
}

export interface RecordBaselineInput extends BaselineKey {
  png: Buffer;
  width: number;
  height: number;
  structure: string;
  confirmedBy: string;
  maskBoxes?: Box[];
  fromRecord?: string;
  now?: Date;
}

/** `<dataDir>/baselines/<platform>/<layout>/<surface>.{png,json}`. */
export function baselinePaths(dataDir: string, key: BaselineKey): { png: string; json: string } {
  const dir = join(dataDir, 'baselines', safeSegment(key.platform, 'platform'), safeSegment(key.layout, 'layout'));
  const surface = safeSegment(key.surface, 'surface');
  return { png: join(dir, `${surface}.png`), json: join(dir, `${surface}.json`) };
}

/** Stores a baseline a human confirmed. The `.json` is written last: it is what makes the baseline exist. */
export async function recordBaseline(dataDir: string, input: RecordBaselineInput): Promise<BaselineMeta> {
  if (!input.confirmedBy.trim()) throw new TypeError('a baseline needs the name of who confirmed it');
  const paths = baselinePaths(dataDir, input);
  const meta = BaselineMeta.parse({
    platform: input.platform, surface: input.surface, layout: input.layout, structure: input.structure,
    png_sha256: sha256Hex(input.png), width: input.width, height: input.height, mask_boxes: input.maskBoxes ?? [],
    recorded_at: (input.now ?? new Date()).toISOString(), confirmed_by: input.confirmedBy.trim(),
    ...(input.fromRecord ? { from_record: input.fromRecord } : {}),
  });
  await writePrivateFile(paths.png, input.png);
  await writePrivateFile(paths.json, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

export async function loadBaseline(dataDir: string, key: BaselineKey): Promise<Baseline | undefined> {
  const paths = baselinePaths(dataDir, key);
  let json: string;
  try {
    json = await readFile(paths.json, 'utf8');
  } catch {
    return undefined;
  }
  const meta = BaselineMeta.parse(JSON.parse(json));
  const png = await readFile(paths.png);
  if (sha256Hex(png) !== meta.png_sha256) throw new Error(`baseline image ${paths.png} does not match its recorded sha256`);
  return { meta, png };
}

/** The confirmed layouts of a platform's surface whose structure fingerprint equals `structure`. */
export async function recognizeLayout(dataDir: string, platform: string, surface: string, structure: string): Promise<string | undefined> {
  const root = join(dataDir, 'baselines', safeSegment(platform, 'platform'));
  const layouts = await readdir(root).catch(() => [] as string[]);
  for (const layout of layouts.sort()) {
    try {
      const meta = BaselineMeta.parse(JSON.parse(await readFile(join(root, layout, `${safeSegment(surface, 'surface')}.json`), 'utf8')));
      if (meta.structure === structure) return layout;
    } catch {
      // No baseline of this surface in that layout.
    }
  }
  return undefined;
}
