const HOUR_MS = 3_600_000;

/**
 * Per-account call counts behind the `X-Business-Use-Case-Usage` header that Meta adds to Instagram
 * Graph responses ("Rate Limits": BUC rate limits, header contents). Percentages are of a nominal
 * hourly budget; the sandbox throttles only through the `rate_limit` fault, which reports 100.
 */
export class GraphUsage {
  private readonly calls = new Map<string, number[]>();

  constructor(readonly budgetPerHour = 4800) {}

  /** Counts one call of the account. */
  note(accountId: string, now = Date.now()): void {
    const log = (this.calls.get(accountId) ?? []).filter((t) => now - t < HOUR_MS);
    log.push(now);
    this.calls.set(accountId, log);
  }

  /** call_count, total_cputime and total_time: whole percentages over the rolling hour. */
  snapshot(accountId: string, now = Date.now()): { call_count: number; total_cputime: number; total_time: number } {
    const n = (this.calls.get(accountId) ?? []).filter((t) => now - t < HOUR_MS).length;
    const call_count = Math.min(99, Math.floor((n * 100) / this.budgetPerHour));
    return { call_count, total_cputime: Math.floor(call_count / 2), total_time: Math.floor(call_count / 2) };
  }

  /**
   * The header value: {"<ig-user-id>":[{type:"instagram",call_count,total_cputime,total_time,
   * estimated_time_to_regain_access}]}; `regainMinutes` set means throttled (call_count 100).
   */
  header(accountId: string, regainMinutes?: number): string {
    const usage = this.snapshot(accountId);
    const entry = {
      type: 'instagram',
      ...usage,
      ...(regainMinutes !== undefined ? { call_count: 100 } : {}),
      estimated_time_to_regain_access: regainMinutes ?? 0,
    };
    return JSON.stringify({ [accountId]: [entry] });
  }
}
