const MASK32 = new Uint32Array(new Uint8Array([255, 0, 255, 255]).buffer)[0]!;

/** Above this many row pairs (changed rows × changed rows) the alignment is not attempted: viewport screenshots stay below it. */
const MAX_CELLS = 4_000_000;

/** An RGBA image as 32-bit pixels. */
export interface Pixels {
  px: Uint32Array;
  width: number;
  height: number;
}

/** Rows of the baseline matched to rows of the current image, and what the unmatched rows cost. */
export interface RowAlignment {
  /** For each baseline row, the current row that shows it, or -1 (compared by neither side). */
  map: Int32Array;
  /** Pixels of rows that appeared or vanished away from any dynamic region: each counts as changed. */
  unmatched: number;
}

function rowHashes({ px, width, height }: Pixels): { hash: Float64Array; masked: Uint8Array } {
  const hash = new Float64Array(height);
  const masked = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    // Two 32-bit FNV-1a hashes of the row, combined into one exact double (53 bits).
    let h1 = 0x811c9dc5, h2 = 0x01000193, m = 0;
    for (let i = y * width, end = i + width; i < end; i++) {
      const p = px[i]!;
      if (p === MASK32) m = 1;
      h1 = Math.imul(h1 ^ p, 0x01000193);
      h2 = Math.imul(h2 ^ (p >>> 7), 0x5bd1e995);
    }
    hash[y] = (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
    masked[y] = m;
  }
  return { hash, masked };
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);

/** Whether a dynamic region paints on any row of the stretch from-1 .. to (the rows around it included). */
function touchesRegion(masked: Uint8Array, from: number, to: number): boolean {
  for (let y = Math.max(0, from - 1); y <= Math.min(masked.length - 1, to); y++) if (masked[y] === 1) return true;
  return false;
}

/**
 * A row a region's growth may add or remove: part of the region, or stretched margin — the same
 * as the row above or below it, and a row the other image has too (blank page or card
 * background). A solid bar of a colour the other image never shows is new content, however
 * uniform.
 */
function forgivable(rows: { hash: Float64Array; masked: Uint8Array }, y: number, other: Set<number>): boolean {
  if (rows.masked[y] === 1) return true;
  const h = rows.hash[y]!;
  return (h === rows.hash[y - 1] || h === rows.hash[y + 1]) && other.has(h);
}

/** Longest common subsequence of two row-hash lists: the matched (baseline, current) row pairs in order. */
function matchRows(a: Float64Array, b: Float64Array): Array<[number, number]> | undefined {
  // The rows above the change are usually identical: matched directly, like diff does. (Not the
  // rows below it: a viewport's bottom rows are mostly blank, and matching them end to end would
  // pair the blank rows a reflow pushed down with the wrong ones.)
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  const n = a.length - head, m = b.length - head;
  if (n * m > MAX_CELLS) return undefined;
  const w = m + 1;
  const len = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[i * w + j] = a[head + i] === b[head + j] ? len[(i + 1) * w + j + 1]! + 1 : Math.max(len[(i + 1) * w + j]!, len[i * w + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < head; k++) pairs.push([k, k]);
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[head + i] === b[head + j]) pairs.push([head + i++, head + j++]);
    else if (len[(i + 1) * w + j]! >= len[i * w + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/**
 * Which row of the current screenshot shows each row of the baseline, when content moved up or
 * down because a dynamic region grew, shrank, appeared or vanished: a DM thread with one more
 * message, a caption of another length. The page reflows, so a plain pixel comparison counts
 * every row under the region as changed (the Spanish DM thread with one message differed from
 * its empty baseline by 1.0 %: the same links and toolbar 30 px lower).
 *
 * Both images come with their own dynamic regions painted out. Rows are matched like lines in a
 * text diff (equal rows, longest common subsequence); between two matches, the leftover rows of
 * each side are paired top to bottom and compared pixel by pixel, so a changed row is still a
 * changed row. Where one side has more leftover rows than the other, the extra rows are forgiven
 * only when the stretch touches a dynamic region and they are the region's own rows or stretched
 * margin (see forgivable): new text or a new bar beside a region is new content, and each of its
 * pixels counts as changed. Rows pushed past the bottom of the viewport are not
 * compared. Undefined when the images are too tall (or of different widths) to align.
 */
export function alignReflow(baseline: Pixels, current: Pixels): RowAlignment | undefined {
  if (baseline.width !== current.width) return undefined;
  const a = rowHashes(baseline), b = rowHashes(current);
  const pairs = matchRows(a.hash, b.hash);
  if (!pairs) return undefined;
  const map = new Int32Array(baseline.height).fill(-1);
  const sets = new Map<object, Set<number>>();
  const rowsOf = (side: { hash: Float64Array }) => {
    let set = sets.get(side);
    if (!set) sets.set(side, (set = new Set(side.hash)));
    return set;
  };
  let unmatched = 0;
  let i = 0, j = 0;
  for (const [mi, mj] of [...pairs, [baseline.height, current.height] as [number, number]]) {
    // The stretch between the previous match and this one: rows i..mi-1 of the baseline, j..mj-1 of the current.
    let left = range(i, mi), right = range(j, mj);
    if (left.length !== right.length) {
      // Rows pushed out past the bottom edge (or pulled in) are not content that changed.
      const atBottom = mi === baseline.height && mj === current.height;
      const touches = atBottom || touchesRegion(a.masked, i, mi) || touchesRegion(b.masked, j, mj);
      const longer = left.length > right.length ? 'left' : 'right';
      const [rows, side, other] = longer === 'left' ? [left, a, rowsOf(b)] : [right, b, rowsOf(a)];
      let excess = Math.abs(left.length - right.length);
      // Drop the longer side's forgivable rows (region rows, repeated margin rows) first, then whatever is left over.
      const kept: number[] = [];
      for (let r = rows.length - 1; r >= 0; r--) {
        if (excess > 0 && touches && (atBottom || forgivable(side, rows[r]!, other))) excess--;
        else kept.unshift(rows[r]!);
      }
      unmatched += excess * baseline.width;
      const trimmed = kept.slice(0, kept.length - excess);
      if (longer === 'left') left = trimmed;
      else right = trimmed;
    }
    for (let r = 0; r < left.length; r++) map[left[r]!] = right[r]!;
    if (mi < baseline.height) map[mi] = mj;
    i = mi + 1;
    j = mj + 1;
  }
  return { map, unmatched };
}

/**
 * The current image's rows moved to where the baseline has them (`map` from alignReflow), with
 * masked pixels made common to both: a pixel masked in either image is masked in both, and
 * unmapped rows are masked. Returns the aligned copy of the current image and the baseline with
 * the extra masks painted in (both RGBA, the baseline's size), and how many pixels are masked.
 */
export function alignRows(baseline: Uint8Array, current: Uint8Array, width: number, height: number, map: Int32Array): { baseline: Uint8Array; current: Uint8Array; masked: number } {
  const a = baseline.slice();
  const b = new Uint8Array(width * height * 4);
  const pa = new Uint32Array(a.buffer, a.byteOffset, width * height);
  const pb = new Uint32Array(b.buffer, b.byteOffset, width * height);
  for (let y = 0; y < height; y++) {
    const from = map[y]!;
    if (from < 0) pb.fill(MASK32, y * width, (y + 1) * width);
    else b.set(current.subarray(from * width * 4, (from + 1) * width * 4), y * width * 4);
  }
  let masked = 0;
  for (let i = 0; i < pa.length; i++) {
    if (pa[i] === MASK32 || pb[i] === MASK32) {
      pa[i] = MASK32;
      pb[i] = MASK32;
      masked++;
    }
  }
  return { baseline: a, current: b, masked };
}
