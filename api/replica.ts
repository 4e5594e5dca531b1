/**
 * The read replica behind `DATABASE_READ_URL`: how far its replay is behind the primary, watched
 * on a timer, so that /health can show it and reads can be refused (503) while it lags too much.
 */
import type { Sql } from "postgres";
import { UnavailableError } from "./problem.ts";

/** What the watcher knows about the replica. */
export interface ReplicaState {
  /** Milliseconds the replica's replay is behind; 0 when it has replayed all it received. */
  lagMs: number | null;
  /** Whether reads should go to it: reachable and within the allowed lag. */
  usable: boolean;
  /** Why not, when it is not. */
  reason?: string;
  /** When it was last measured (ISO). */
  checkedAt: string | null;
}

/** Options of {@linkcode watchReplica}. */
export interface WatchReplicaOptions {
  /** Most replay lag reads may see, in ms (`READ_REPLICA_MAX_LAG_MS`). @default 5000 */
  maxLagMs?: number;
  /** How often the lag is measured, in ms. @default 1000 */
  intervalMs?: number;
}

/** A replica being watched. */
export interface ReplicaWatch {
  state(): ReplicaState;
  /** Measures now (also what the timer does). */
  check(): Promise<ReplicaState>;
  /** Throws a 503 problem unless reads may go to the replica now. */
  assertUsable(): void;
  /** The most lag reads may see, in ms. */
  readonly maxLagMs: number;
  stop(): void;
}

/**
 * Replay lag as the replica itself sees it: the age of the last replayed transaction when WAL is
 * still waiting to be replayed, else 0 (an idle primary sends nothing, which is not lag).
 */
export async function measureReplayLag(sql: Sql): Promise<number> {
  const [row] = await sql<
    { recovering: boolean; caught_up: boolean | null; lag_ms: number | null }[]
  >`
    SELECT pg_is_in_recovery() AS recovering,
      pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up,
      (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8
        AS lag_ms`;
  if (!row?.recovering) throw new Error("DATABASE_READ_URL is not a standby (not in recovery)");
  if (row.caught_up) return 0;
  return Math.max(0, row.lag_ms ?? 0);
}

/** Watches the replica behind `sql` until stopped. */
export function watchReplica(sql: Sql, options: WatchReplicaOptions = {}): ReplicaWatch {
  const maxLagMs = options.maxLagMs ?? 5000;
  let current: ReplicaState = {
    lagMs: null,
    usable: false,
    reason: "not measured yet",
    checkedAt: null,
  };
  const check = async () => {
    const checkedAt = new Date().toISOString();
    try {
      const lagMs = Math.round(await measureReplayLag(sql));
      current = lagMs <= maxLagMs ? { lagMs, usable: true, checkedAt } : {
        lagMs,
        usable: false,
        reason: `replica is ${lagMs} ms behind (READ_REPLICA_MAX_LAG_MS=${maxLagMs})`,
        checkedAt,
      };
    } catch (error) {
      current = {
        lagMs: null,
        usable: false,
        reason: `replica unavailable: ${error instanceof Error ? error.message : error}`,
        checkedAt,
      };
    }
    return current;
  };
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    await check().finally(() => busy = false);
  }, options.intervalMs ?? 1000);
  check();
  return {
    state: () => current,
    check,
    maxLagMs,
    assertUsable() {
      if (current.usable) return;
      throw new UnavailableError(`Reads are paused: ${current.reason}`, undefined, {
        retryAfterSec: 1,
      });
    },
    stop: () => clearInterval(timer),
  };
}
