/**
 * Notices that PostgreSQL restarted under a running rebuild. A restart ends every session of ours,
 * with the rebuild's advisory locks and its uncommitted work, so the rebuild cannot succeed; yet
 * postgres.js on Deno can leave a query on a connection the server dropped unsettled for ever.
 * A watcher on connections of its own sees the restart (a new `pg_postmaster_start_time()`) and
 * lets the command end instead of hanging.
 */
import postgres from "postgres";
import { withTimeout } from "../lib/mod.ts";

/** Options of {@linkcode watchServerRestart}. */
export interface RestartWatchOptions {
  /** Between probes, in ms. @default 1000 */
  intervalMs?: number;
  /** Longest wait for one probe, in ms; a probe that takes longer counts as no answer. @default 3000 */
  probeTimeoutMs?: number;
}

/** A running watch; `stop()` ends it. */
export interface RestartWatch {
  /** Resolves once the server's start time has been read (a restart before that goes unseen). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** The postmaster's start time, on a fresh connection closed right after; undefined if no answer. */
async function postmasterStart(
  databaseUrl: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    const rows = await withTimeout(
      sql<{ started: string }[]>`SELECT pg_postmaster_start_time()::text AS started`,
      timeoutMs,
      () => new Error("no answer"),
    );
    return rows[0]?.started;
  } catch {
    return undefined;
  } finally {
    sql.end({ timeout: 0 }).catch(() => {});
  }
}

/**
 * Probes `databaseUrl` every `intervalMs` and calls `onRestart` once when the server's start time
 * differs from the first one it read. Probes that get no answer (the server is down) are skipped.
 */
export function watchServerRestart(
  databaseUrl: string,
  onRestart: () => void,
  options: RestartWatchOptions = {},
): RestartWatch {
  const { intervalMs = 1000, probeTimeoutMs = 3000 } = options;
  let stopped = false;
  let wake: (() => void) | undefined;
  let read!: () => void;
  const ready = new Promise<void>((resolve) => (read = resolve));
  const loop = (async () => {
    let first: string | undefined;
    while (!stopped) {
      const started = await postmasterStart(databaseUrl, probeTimeoutMs);
      first ??= started;
      if (first !== undefined) read();
      if (started !== undefined && started !== first) {
        if (!stopped) onRestart();
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        const timer = setTimeout(resolve, intervalMs);
        Deno.unrefTimer(timer);
      });
    }
  })();
  return {
    ready,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
