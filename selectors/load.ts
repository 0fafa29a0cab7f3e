import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { annexFromLayoutFiles, type Annex } from './schema.js';

/** The folder of the reviewed annex files: `selectors/<platform>/<layout>.json`. */
export const ANNEX_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Reads every `<layout>.json` of a platform's folder (sorted) into its annex; bad JSON or a bad field names the file. */
export function loadAnnex(platform: string, dir: string = ANNEX_DIR): Annex {
  const folder = join(dir, platform);
  const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const source = join(folder, f);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new Error(`invalid selector annex ${source}: not JSON (${(error as Error).message})`);
    }
    return { source, data };
  });
  return annexFromLayoutFiles(files);
}
