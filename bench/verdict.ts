/**
 * Whether a benchmark row is met: a figure counts only when it rests on enough measurements for
 * its kind, and a target met by nothing measured is "not met", with the reason said.
 */

/** What a row's figure is, which decides how many measurements it needs to mean something. */
export type RowKind =
  | "p99"
  | "p50"
  | "request rate"
  | "event rate"
  | "peak memory"
  | "failover";

/**
 * The fewest measurements each kind of figure needs.
 * - A p99 of 200 requests still has two above it; of fewer it is the maximum or a single outlier.
 * - A median of fewer than 20 moves with every sample.
 * - wrk divides completed requests by the run time, while up to one request a connection (32) is
 *   still in flight when it stops: at 100 completed that undercount stays near a quarter at worst.
 * - Event rates over fewer than 10,000 events are dominated by start-up and the last batch.
 * - A peak memory needs one reading of the process's lifetime peak (VmHWM) before it exits.
 * - A failover time is the slowest of the kills timed; each kill is one measurement.
 */
export const MIN_SAMPLES: Readonly<Record<RowKind, number>> = {
  "p99": 200,
  "p50": 20,
  "request rate": 100,
  "event rate": 10_000,
  "peak memory": 1,
  "failover": 1,
};

/** What a row's figure rests on: how many of what were measured. */
export interface Basis {
  kind: RowKind;
  /** How many measurements the figure rests on (requests, lag samples, events, RSS readings). */
  count: number;
  /** What was counted, plural: "requests", "lag samples", "events", "readings". */
  of: string;
}

/** The parts of a row its verdict depends on. */
export interface Judged {
  value: number;
  basis: Basis;
  /** The baseline measured in the same run, when the row has one. */
  baseline?: number;
  /** Whether the figure meets its target, judged on the figure alone; absent: no target. */
  targetMet?: boolean;
  /** The target in words, for the reason of a miss. */
  target: string;
}

/** A row's verdict: met, not met with the reason, or no target at all. */
export interface Verdict {
  /** undefined when the row has no target and nothing is wrong with its measurements. */
  met: boolean | undefined;
  reason?: string;
}

/** Judges a row: too few measurements or an empty baseline make it "not met" whatever the target. */
export function judge(row: Judged): Verdict {
  const { kind, count, of } = row.basis;
  if (!(count > 0) || !Number.isFinite(row.value)) {
    return { met: false, reason: `no samples: nothing was measured (0 ${of})` };
  }
  const needed = MIN_SAMPLES[kind];
  if (count < needed) {
    return {
      met: false,
      reason: `too few samples: rests on ${count.toLocaleString("en-US")} ${of}; ${kind} needs ≥ ${
        needed.toLocaleString("en-US")
      }`,
    };
  }
  if (row.baseline !== undefined && !(row.baseline > 0 && Number.isFinite(row.baseline))) {
    return { met: false, reason: `the baseline measured nothing (${row.baseline})` };
  }
  if (row.targetMet === undefined) return { met: undefined };
  return row.targetMet ? { met: true } : { met: false, reason: `target missed: ${row.target}` };
}
