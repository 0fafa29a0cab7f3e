/**
 * HTML for the console, built by one tagged template: every interpolated value is escaped
 * unless it is already `Html` (made by this template or `raw`), so a caption, a handle or a
 * reason can never become markup. Arrays are joined; null, undefined and false render nothing.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

export function escape(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escape(part);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Markup this module did not build (an SVG made with `html` too, a constant): use sparingly. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A time as people read it, in UTC, with the machine-readable value alongside. */
export function time(iso: string | null | undefined, empty = '—'): Html {
  if (!iso) return html`${empty}`;
  const shown = iso.replace('T', ' ').replace(/:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, ' UTC');
  return html`<time datetime="${iso}">${shown}</time>`;
}

/** The first characters of a text, on one line. */
export function preview(text: unknown, max = 80): string {
  if (typeof text !== 'string') return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
