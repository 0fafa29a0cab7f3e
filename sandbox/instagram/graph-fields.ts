import { GraphFailure, invalidParam } from './graph-errors.js';

/** One requested field; `fields` holds a field expansion's own list (`children{id,media_url}`). */
export interface FieldSpec {
  name: string;
  fields?: FieldSpec[];
}

/** A node as Graph serves it: each field computed on demand, an expansion getting its sub-fields. */
export type GraphNode = Record<string, (sub?: FieldSpec[]) => unknown>;

/**
 * Parses `fields=` with Graph's field expansion syntax ("Field Expansion":
 * developers.facebook.com/docs/graph-api/guides/field-expansion): `a,b{c,d{e}}`. Undefined when
 * absent; a syntax error is code 100 naming `fields`.
 */
export function parseFields(raw: unknown): FieldSpec[] | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new GraphFailure(invalidParam('fields must be a comma-separated list of field names'));
  let i = 0;
  const list = (): FieldSpec[] => {
    const out: FieldSpec[] = [];
    for (;;) {
      const name = /^[\s]*([A-Za-z_][\w]*)[\s]*/.exec(raw.slice(i));
      if (!name) throw new GraphFailure(invalidParam(`fields: syntax error at character ${i + 1} of "${raw}"`));
      i += name[0].length;
      const spec: FieldSpec = { name: name[1]! };
      if (raw[i] === '{') {
        i += 1;
        spec.fields = list();
        if (raw[i] !== '}') throw new GraphFailure(invalidParam(`fields: missing "}" in "${raw}"`));
        i += 1;
        while (raw[i] === ' ') i += 1;
      }
      out.push(spec);
      if (raw[i] !== ',') return out;
      i += 1;
    }
  };
  if (raw.trim() === '') return [];
  const specs = list();
  if (i < raw.length) throw new GraphFailure(invalidParam(`fields: syntax error at character ${i + 1} of "${raw}"`));
  return specs;
}

/**
 * The requested fields of a node (`defaults` when none are asked), `id` always included, as Graph
 * answers. A field the node does not have is "(#100) Tried accessing nonexisting field (x) on node
 * type (T)"; fields that do not apply to this object (a carousel's `thumbnail_url`) are omitted.
 */
export function select(type: string, node: GraphNode, fields: FieldSpec[] | undefined, defaults: string[] = []): Record<string, unknown> {
  const wanted: FieldSpec[] = fields ?? defaults.map((name) => ({ name }));
  const out: Record<string, unknown> = {};
  for (const f of wanted) {
    const get = node[f.name];
    if (!get) throw new GraphFailure(invalidParam(`Tried accessing nonexisting field (${f.name}) on node type (${type})`));
    const value = get(f.fields);
    if (value !== undefined) out[f.name] = value;
  }
  if (!('id' in out) && node.id) out.id = node.id();
  return out;
}
