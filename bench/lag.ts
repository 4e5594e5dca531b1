/** Projection lag as a reader sees it: how long after a sequence is in the stream it is projected. */
import type { Sql } from "postgres";
import type { JetStreamManager } from "@nats-io/jetstream";
import { STREAM_NAME } from "../events/mod.ts";

/** Lag percentiles and the stream's growth over a sampling period. */
export interface LagFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Events appended to the stream per second during the period. */
  eventsPerSec: number;
  /** Heads timed: what the percentiles rest on. */
  samples: number;
  /**
   * Round trips of the checkpoint query, the floor of these figures: an instant projector would
   * read as lagging by one of them.
   */
  floorP50Ms: number;
  floorP99Ms: number;
}

/** The `p`-th percentile (0–100) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

async function checkpoint(sql: Sql): Promise<number> {
  const [row] = await sql<{ seq: string | null }[]>`
    SELECT min(last_seq)::text AS seq FROM projection_checkpoints`;
  return Number(row?.seq ?? 0);
}

/**
 * Samples the stream head and the lowest projection checkpoint every `intervalMs` for
 * `durationMs`; each head seen is timed until the checkpoint reaches it.
 */
export async function measureLag(
  jsm: JetStreamManager,
  sql: Sql,
  options: { durationMs: number; intervalMs?: number; settleMs?: number },
): Promise<LagFigures> {
  const { durationMs, intervalMs = 10, settleMs = 10_000 } = options;
  const pending: { seq: number; at: number }[] = [];
  const lags: number[] = [];
  const floors: number[] = [];
  const started = performance.now();
  let firstSeq: number | undefined;
  let lastSeq = 0;
  const deadline = started + durationMs;
  while (performance.now() < deadline + settleMs) {
    const now = performance.now();
    if (now < deadline) {
      const { state } = await jsm.streams.info(STREAM_NAME);
      firstSeq ??= state.last_seq;
      lastSeq = state.last_seq;
      pending.push({ seq: state.last_seq, at: performance.now() });
    } else if (pending.length === 0) {
      break;
    }
    const asked = performance.now();
    const done = await checkpoint(sql);
    const at = performance.now();
    floors.push(at - asked);
    while (pending.length > 0 && pending[0]!.seq <= done) lags.push(at - pending.shift()!.at);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  // Heads never reached within the settle time count as lagging by the whole wait.
  for (const head of pending) lags.push(performance.now() - head.at);
  lags.sort((a, b) => a - b);
  floors.sort((a, b) => a - b);
  return {
    p50Ms: percentile(lags, 50),
    p99Ms: percentile(lags, 99),
    maxMs: lags.at(-1) ?? 0,
    eventsPerSec: (lastSeq - (firstSeq ?? 0)) / (durationMs / 1000),
    samples: lags.length,
    floorP50Ms: percentile(floors, 50),
    floorP99Ms: percentile(floors, 99),
  };
}
