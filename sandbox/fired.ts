/** Faults that fire without a rule of the fault table: platform properties (lag, webhook chaos) and delayed consequences. */
export const NOTED_KINDS = ['lag', 'webhook_delay', 'webhook_reorder', 'webhook_rebatch', 'revert_applied'] as const;
export type NotedKind = (typeof NOTED_KINDS)[number];

/** One firing, for a chaos runner that reports "how many of each fault fired" and where. */
export interface FiredEvent {
  seq: number;
  kind: string;
  at: string;
  rule_id?: string;
  platform?: string;
  account?: string;
  lane?: string;
  action?: string;
  method?: string;
  path?: string;
  /** What it touched: an object id, an effect seq, a delivery id. */
  ref?: string;
}

const MAX_EVENTS = 5000;

/** Counts every fault firing by kind, since start or the last reset. */
export class FiredLog {
  private counts = new Map<string, number>();
  private events: FiredEvent[] = [];
  private seq = 0;

  constructor(private readonly kinds: readonly string[]) {}

  record(kind: string, detail: Omit<FiredEvent, 'seq' | 'kind' | 'at'> = {}): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.seq += 1;
    const event: FiredEvent = { seq: this.seq, kind, at: new Date().toISOString() };
    for (const [k, v] of Object.entries(detail)) if (v !== undefined) (event as unknown as Record<string, unknown>)[k] = v;
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  reset(): void {
    this.counts.clear();
    this.events = [];
    this.seq = 0;
  }

  /** Every known kind with its count (0 included), the total, and the last events (oldest first). */
  snapshot(sinceSeq = 0): { counts: Record<string, number>; total: number; events: FiredEvent[] } {
    const counts = Object.fromEntries(this.kinds.map((k) => [k, this.counts.get(k) ?? 0]));
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    return { counts, total, events: this.events.filter((e) => e.seq > sinceSeq) };
  }
}
