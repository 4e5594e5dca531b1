/**
 * The read models' version on a hot-standby replica (`DATABASE_READ_URL`), where LISTEN is not
 * possible: the replica's own checkpoints, read on a short timer. A cached answer is then at most
 * one interval behind what the replica has replayed, and the cache is bypassed whenever the last
 * reading is too old or the replica is not usable for reads.
 */
import type { Sql } from "postgres";
import type { ReadModelVersion } from "./read_model_version.ts";
import type { ReplicaWatch } from "./replica.ts";

/** Options of {@linkcode pollCheckpoints}. */
export interface PollOptions {
  /** Interval between readings, in ms (`CACHE_POLL_MS`). @default 50 */
  intervalMs?: number;
  /** When given, no version while the replica lags too much or cannot be reached. */
  replica?: ReplicaWatch;
}

/**
 * Reads the checkpoints every `intervalMs`; the version is their text. A swap or a commit moves a
 * checkpoint or its `updated_at`, so every change of the read models changes the version.
 */
export function pollCheckpoints(sql: Sql, options: PollOptions = {}): ReadModelVersion {
  const intervalMs = options.intervalMs ?? 50;
  let version: string | undefined;
  let readAt = -Infinity;
  let busy: Promise<void> | undefined;
  const read = async () => {
    try {
      const [row] = await sql<{ v: string | null }[]>`
        SELECT string_agg(projection || ':' || last_seq || ':' || updated_at, ',' ORDER BY projection)
          AS v FROM projection_checkpoints`;
      version = row?.v ?? "";
      readAt = performance.now();
    } catch {
      version = undefined;
    }
  };
  const timer = setInterval(() => {
    busy ??= read().finally(() => busy = undefined);
  }, intervalMs);
  busy = read().finally(() => busy = undefined);
  return {
    current() {
      if (options.replica && !options.replica.state().usable) return undefined;
      // A reading older than a few intervals may miss a commit since: not trusted.
      return performance.now() - readAt <= intervalMs * 4 ? version : undefined;
    },
    async stop() {
      clearInterval(timer);
      await busy;
    },
  };
}
