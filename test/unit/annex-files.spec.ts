import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { ANNEX_DIR, INSTAGRAM_ANNEX, X_ANNEX, loadAnnex } from '../../selectors/index.js';
import { tempDir } from '../helpers/kernel.js';

/** Issue 13: annexes are reviewed data files, `selectors/<platform>/<layout>.json`, validated at load. */
const v1 = (platform: 'instagram' | 'x') => JSON.parse(readFileSync(join(ANNEX_DIR, platform, 'v1.json'), 'utf8')) as Record<string, unknown>;

function annexDir(files: Record<string, unknown>): { dir: string; remove(): void } {
  const tmp = tempDir('raize-annex-');
  mkdirSync(join(tmp.path, 'instagram'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp.path, 'instagram', name), typeof data === 'string' ? data : JSON.stringify(data));
  return { dir: tmp.path, remove: tmp.remove };
}

test('should load both platforms\' annexes from their JSON layout files, with recorded features, prompts and texts per locale', () => {
  for (const annex of [INSTAGRAM_ANNEX, X_ANNEX]) {
    const layout = annex.layouts.v1!;
    expect(Object.keys(annex.layouts)).toEqual(['v1']);
    // Every surface the annex fingerprints by hash has recorded features too.
    for (const surface of Object.keys(layout.fingerprint.structure)) expect(layout.fingerprint.features[surface]?.length, `${annex.platform} ${surface}`).toBeGreaterThan(0);
    expect(layout.prompts.map((p) => p.kind)).toEqual(['notifications', 'save_login', 'promo', 'cookies']);
    for (const p of layout.prompts) expect(p.names.length, p.kind).toBe(2);
    expect(layout.texts.dm_sent).toEqual(['Sent', 'Enviado']);
    expect(layout.loading).toBeTruthy();
  }
});

test('should merge the layout files of a platform and refuse any that disagree, name a field twice or carry an unknown key', () => {
  const base = v1('instagram');
  const ok = annexDir({ 'v1.json': base, 'v2.json': { ...base, layout: 'v2', notes: {} } });
  try {
    expect(Object.keys(loadAnnex('instagram', ok.dir).layouts).sort()).toEqual(['v1', 'v2']);
  } finally {
    ok.remove();
  }
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['paths differ', { ...base, layout: 'v2', paths: { ...(base.paths as object), home: '/feed/' } }, /v2\.json: paths: differs from .*v1\.json/],
    ['annex_version differs', { ...base, layout: 'v2', annex_version: '9.0.0' }, /v2\.json: annex_version: differs/],
    ['a layout twice', { ...base }, /v2\.json: layout: v1 is defined twice/],
    ['an unknown key', { ...base, layout: 'v2', selectorz: {} }, /v2\.json: \(root\): Unrecognized key.*selectorz/],
    ['a bad feature set', { ...base, layout: 'v2', fingerprint: { ...(base.fingerprint as object), features: { post: [[]] } } }, /v2\.json: fingerprint\.features\.post\.0: /],
    ['a prompt without a dismiss button', { ...base, layout: 'v2', prompts: [{ kind: 'promo', names: ['Try Reels'], dismiss: [] }] }, /v2\.json: prompts\.0\.dismiss: /],
  ];
  for (const [what, second, error] of cases) {
    const dir = annexDir({ 'v1.json': base, 'v2.json': second });
    try {
      expect(() => loadAnnex('instagram', dir.dir), what).toThrow(error);
    } finally {
      dir.remove();
    }
  }
  const bad = annexDir({ 'v1.json': '{ "platform": "instagram", ' });
  try {
    expect(() => loadAnnex('instagram', bad.dir)).toThrow(/v1\.json: not JSON/);
  } finally {
    bad.remove();
  }
});
