import type { ProofRef } from '../safety/index.js';
import { writePrivateFile } from './files.js';
import { readDriftRecords } from './drift-records.js';
import { readHealRecords, type HealRecord } from './heal-records.js';
import { listDriftRecords, type ReviewedDriftRecord } from './drift-review.js';
import { createProofStore, type ProofStore } from './store.js';

const MIME: Record<string, string> = { webp: 'image/webp', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

/** Escapes text for HTML bodies and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

async function dataUri(store: ProofStore, ref: ProofRef): Promise<string | undefined> {
  const ext = ref.ref.split('.').pop() ?? '';
  const mime = MIME[ext];
  if (!mime) return undefined;
  const verdict = await store.verify(ref);
  // A tampered or missing proof is shown as such, never as if it were the original.
  if (!verdict.ok) return undefined;
  return `data:${mime};base64,${(await store.read(ref)).toString('base64')}`;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

async function figure(store: ProofStore, label: string, ref: ProofRef | undefined): Promise<string> {
  if (!ref) return `<figure><p class="missing">no ${escapeHtml(label)}: the surface had no baseline yet</p><figcaption>${escapeHtml(label)}</figcaption></figure>`;
  const uri = await dataUri(store, ref);
  const body = uri
    ? `<img src="${escapeHtml(uri)}" alt="${escapeHtml(label)}">`
    : `<p class="missing">proof ${escapeHtml(ref.ref)} missing or altered</p>`;
  return `<figure>${body}<figcaption>${escapeHtml(label)} <code>${escapeHtml(ref.sha256?.slice(0, 12) ?? '')}</code></figcaption></figure>`;
}

function decisionText(r: ReviewedDriftRecord): string {
  const d = r.decision;
  if (!d) return 'open: nobody has promoted or rejected it yet';
  const when = `<time datetime="${escapeHtml(d.at)}">${escapeHtml(d.at)}</time>`;
  if (d.decision === 'promoted') return `promoted to the baseline of layout ${escapeHtml(d.baseline?.layout ?? '?')} by ${escapeHtml(d.by)} at ${when}`;
  return `rejected by ${escapeHtml(d.by)} at ${when}: ${escapeHtml(d.reason ?? '')} (baseline unchanged)`;
}

async function section(store: ProofStore, r: ReviewedDriftRecord): Promise<string> {
  const figures = await Promise.all([
    figure(store, 'baseline', r.screenshots.baseline),
    figure(store, 'current', r.screenshots.current),
    figure(store, 'diff', r.screenshots.diff),
  ]);
  return `<section class="record ${r.blocked ? 'blocked' : 'noticed'} ${r.status}" id="r-${escapeHtml(r.id)}">
<h2>${escapeHtml(r.platform)} · ${escapeHtml(r.surface)} <span class="badge">${r.blocked ? 'blocked side effects' : 'noticed'}</span> <span class="status">${r.status}</span></h2>
<dl>
<dt>record</dt><dd><code>${escapeHtml(r.id)}</code></dd>
<dt>when</dt><dd><time datetime="${escapeHtml(r.at)}">${escapeHtml(r.at)}</time></dd>
<dt>layout expected / seen</dt><dd>${escapeHtml(r.layout_expected)} / ${escapeHtml(r.layout_seen)}</dd>
<dt>diff ratio</dt><dd class="ratio">${escapeHtml(pct(r.diff_ratio))} (${escapeHtml(r.diff_ratio.toFixed(5))}; blocks above ${escapeHtml(pct(r.block_ratio))})</dd>
<dt>DOM structure</dt><dd>${r.structure_match ? 'matches the baseline' : 'differs from the baseline'}</dd>
<dt>masked regions</dt><dd>${r.mask_boxes.length}</dd>
<dt>decision</dt><dd class="decision">${decisionText(r)}</dd>
</dl>
<div class="side-by-side">${figures.join('')}</div>
${r.status !== 'open' ? '' : `<p class="hint">To accept this as the new baseline after checking it: <code>raize drift-baseline --platform ${escapeHtml(r.platform)} --surface ${escapeHtml(r.surface)} --layout ${r.layout_seen === 'unknown' ? '&lt;new layout&gt;' : escapeHtml(r.layout_seen)} --from-record ${escapeHtml(r.id)} --confirm-by &lt;your name&gt;</code> or, through the API, <code>POST /api/v1/drift/records/${escapeHtml(r.id)}/promote</code> (or <code>/reject</code> with a reason).</p>`}
</section>`;
}

/** Healed elements grouped by platform, layout and element: how often, when last, by which signals, where the element is now. */
function healedSection(records: HealRecord[]): string {
  if (records.length === 0) return '';
  const groups = new Map<string, HealRecord[]>();
  for (const r of records) {
    const key = `${r.platform}|${r.layout}|${r.element}|${r.selector}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((g) => {
    const last = g.at(-1)!;
    const seen = [last.seen.role, last.seen.testid ? `test id ${last.seen.testid}` : '', last.seen.name ? `name “${last.seen.name}”` : '', last.seen.landmark ? `in ${last.seen.landmark}` : ''].filter(Boolean).join(', ');
    return `<tr><td>${escapeHtml(last.platform)} ${escapeHtml(last.layout)}</td><td><code>${escapeHtml(last.element)}</code></td><td><code>${escapeHtml(last.selector)}</code></td><td>${escapeHtml(last.matched.join(' + '))}</td><td>${escapeHtml(seen)}</td><td>${g.length}</td><td><time datetime="${escapeHtml(last.at)}">${escapeHtml(last.at)}</time></td></tr>`;
  });
  return `<section class="healed"><h2>Healed elements</h2>
<p>Navigation and typing steps that found their element by its recorded fingerprint because the annex's selector found nothing. Episodes went on; commit clicks never heal. Update the annex's selector (<code>raize annex record</code>, then review) so these stop.</p>
<table><thead><tr><th>Layout</th><th>Element</th><th>Selector that missed</th><th>Matched by</th><th>Found as</th><th>Times</th><th>Last</th></tr></thead>
<tbody>${rows.join('')}</tbody></table></section>`;
}

/** The drift report as one self-contained HTML page (images inlined), newest records first. */
export async function renderDriftReport(dataDir: string, options: { now?: Date } = {}): Promise<string> {
  const store = createProofStore(dataDir);
  // One clock reading for the whole page: the attribute and the text must agree.
  const generated = (options.now ?? new Date()).toISOString();
  const records = await listDriftRecords(dataDir);
  const sections = await Promise.all(records.map((r) => section(store, r)));
  const blocked = records.filter((r) => r.blocked).length;
  const healed = await readHealRecords(dataDir);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Raize visual drift report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}
.record{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
.record.blocked{border-color:#b00020}.badge{font-size:.75rem;padding:.1rem .4rem;border-radius:4px;background:#eee}
.blocked .badge{background:#b00020;color:#fff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#555}dd{margin:0}
.side-by-side{display:grid;grid-template-columns:repeat(3,1fr);gap:.75rem}
figure{margin:0}img{width:100%;border:1px solid #ddd}figcaption{text-align:center;color:#555}
.missing{color:#b00020}.status{font-size:.75rem;padding:.1rem .4rem;border-radius:4px;background:#e8eef8}
.rejected .status{background:#555;color:#fff}.promoted .status{background:#1b6e2a;color:#fff}
table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
</style></head>
<body><h1>Visual drift report</h1>
<p>Generated <time datetime="${escapeHtml(generated)}">${escapeHtml(generated)}</time>: ${records.length} record(s), ${blocked} blocked.</p>
${records.length ? sections.join('\n') : '<p>No drift recorded.</p>'}
${healedSection(healed)}
</body></html>
`;
}

/** Writes the report to `outFile` (0600) and returns its path and how many records it holds. */
export async function writeDriftReport(dataDir: string, outFile: string): Promise<{ path: string; records: number }> {
  const html = await renderDriftReport(dataDir);
  await writePrivateFile(outFile, html);
  return { path: outFile, records: (await readDriftRecords(dataDir)).length };
}
