import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../store/hash.js';
import { safeSegment, writePrivateFile } from './files.js';

/** A rectangle in CSS pixels of the viewport (= screenshot pixels at device scale 1). */
export const Box = z.object({ x: z.number(), y: z.number(), width: z.number().nonnegative(), height: z.number().nonnegative() });
export type Box = z.infer<typeof Box>;

/**
 * Identifies one baseline: a surface of a platform in one layout version and, optionally, one
 * structure variant of it (own vs someone else's profile, an empty vs a filled grid: the same
 * surface in the same layout can have several confirmed DOM structures, each with its image).
 */
export interface BaselineKey {
  platform: string;
  surface: string;
  layout: string;
  /** First 12 hex digits of the variant's structure fingerprint. */
  variant?: string;
}

/** The variant id of a structure fingerprint. */
export const variantOf = (structure: string): string => structure.slice(0, 12);

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
  /** `human`: a person confirmed it (raize drift-baseline); `annex`: first seen on a layout and structure the reviewed annex knows. */
  source: z.enum(['human', 'annex']).default('human'),
  variant: z.string().regex(/^[0-9a-f]{12}$/).optional(),
  /** The surface's churn-proof structure features (proofs/dom.ts) when recorded: a later churned render is matched by containment. */
  features: z.array(z.string()).optional(),
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
  features?: readonly string[];
  confirmedBy: string;
  maskBoxes?: Box[];
  fromRecord?: string;
  source?: 'human' | 'annex';
  now?: Date;
}

/** `<dataDir>/baselines/<platform>/<layout>/<surface>[.<variant>].{png,json}`. */
export function baselinePaths(dataDir: string, key: BaselineKey): { png: string; json: string } {
  const dir = join(dataDir, 'baselines', safeSegment(key.platform, 'platform'), safeSegment(key.layout, 'layout'));
  if (key.variant !== undefined && !/^[0-9a-f]{12}$/.test(key.variant)) throw new TypeError(`invalid baseline variant ${JSON.stringify(key.variant)}`);
  const stem = safeSegment(key.surface, 'surface') + (key.variant ? `.${key.variant}` : '');
  return { png: join(dir, `${stem}.png`), json: join(dir, `${stem}.json`) };
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
    source: input.source ?? 'human', ...(input.variant ? { variant: input.variant } : {}),
    ...(input.features ? { features: [...input.features] } : {}),
  });
  await writePrivateFile(paths.png, input.png);
  await writePrivateFile(paths.json, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/**
 * The baseline of a key. Without a variant: the surface's plain baseline, else its most recently
 * recorded variant.
 */
export async function loadBaseline(dataDir: string, key: BaselineKey): Promise<Baseline | undefined> {
  if (key.variant === undefined) {
    const plain = await readBaseline(baselinePaths(dataDir, key));
    if (plain) return plain;
    const latest = (await listBaselines(dataDir, key)).sort((a, b) => a.recorded_at.localeCompare(b.recorded_at)).at(-1);
    return latest ? readBaseline(baselinePaths(dataDir, { ...key, ...(latest.variant ? { variant: latest.variant } : {}) })) : undefined;
  }
  return readBaseline(baselinePaths(dataDir, key));
}

async function readBaseline(paths: { png: string; json: string }): Promise<Baseline | undefined> {
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

/** Every baseline (plain and variants) of a surface in a layout; unreadable files are skipped. */
export async function listBaselines(dataDir: string, key: Omit<BaselineKey, 'variant'>): Promise<BaselineMeta[]> {
  const dir = dirname(baselinePaths(dataDir, key).json);
  const surface = safeSegment(key.surface, 'surface');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f === `${surface}.json` || new RegExp(`^${surface.replace(/\./g, '\\.')}\\.[0-9a-f]{12}\\.json$`).test(f));
  const out: BaselineMeta[] = [];
  for (const f of files.sort()) {
    try {
      out.push(BaselineMeta.parse(JSON.parse(await readFile(join(dir, f), 'utf8'))));
    } catch {
      // a half-written or hand-edited file is not a baseline
    }
  }
  return out;
}

/** The confirmed layout of a platform's surface that has a baseline with this structure fingerprint. */
export async function recognizeLayout(dataDir: string, platform: string, surface: string, structure: string): Promise<string | undefined> {
  const root = join(dataDir, 'baselines', safeSegment(platform, 'platform'));
  const layouts = await readdir(root).catch(() => [] as string[]);
  for (const layout of layouts.sort()) {
    if ((await listBaselines(dataDir, { platform, layout, surface })).some((b) => b.structure === structure)) return layout;
  }
  return undefined;
}
