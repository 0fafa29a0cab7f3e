/** Positional parameters for a statement built from optional filters: `add` returns its `$n`. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  where(conditions: readonly string[]): string {
    return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  }
}
