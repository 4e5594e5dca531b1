/**
 * The access log, bounded: a JSON line per request costs more than a cached answer does, so at
 * full rate only the first `perSecond` requests of each second get a line of their own (every 5xx
 * always does), and the rest of that second are counted by status in one line, written with the
 * first request of a later second.
 */
import type { Logger } from "../lib/mod.ts";

/** One answered request, as logged. */
export interface AccessRecord {
  requestId: string;
  method: string;
  path: string;
  route: string;
  status: number;
  ms: number;
}

/** Requests logged one by one per second, at most, before they are only counted. */
export const ACCESS_LINES_PER_SECOND = 100;

/** Writes request lines to `logger` at level info, at most `perSecond` a second. */
export class AccessLog {
  #second = 0;
  #lines = 0;
  #unlogged = new Map<number, number>();

  /**
   * @param perSecond lines a second before requests are only counted
   * @param now the clock, in epoch ms. @default Date.now
   */
  constructor(
    readonly logger: Logger,
    readonly perSecond = ACCESS_LINES_PER_SECOND,
    readonly now: () => number = Date.now,
  ) {}

  /** Logs `record`, or counts it when this second's lines are used up. */
  record(record: AccessRecord): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.#second) {
      this.#flush();
      this.#second = second;
      this.#lines = 0;
    }
    if (this.#lines < this.perSecond || record.status >= 500) {
      this.#lines++;
      this.logger.info("request", { ...record, ms: Math.round(record.ms * 10) / 10 });
      return;
    }
    this.#unlogged.set(record.status, (this.#unlogged.get(record.status) ?? 0) + 1);
  }

  #flush(): void {
    if (this.#unlogged.size === 0) return;
    let count = 0;
    for (const n of this.#unlogged.values()) count += n;
    this.logger.info("requests not logged one by one", {
      second: new Date(this.#second * 1000).toISOString(),
      count,
      byStatus: Object.fromEntries(this.#unlogged),
    });
    this.#unlogged.clear();
  }
}
