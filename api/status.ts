/** Health of PostgreSQL, NATS and the projector, and projector lag, computed from their tables. */
import { STREAM_NAME } from "../events/mod.ts";
import type { AppContext } from "./_context.ts";
import { readProjectorHealth } from "../projector/mod.ts";

/** The status of one dependency. */
export interface ComponentStatus {
  status: "ok" | "down";
  error?: string;
}

/** Projector progress as seen from PostgreSQL and the stream. */
export interface ProjectorStatus {
  status: "ok" | "stale" | "unknown";
  heartbeatAt: string | null;
  eventsPerSec: number | null;
  /** Stream last sequence minus the lowest projection checkpoint. */
  lag: number | null;
  streamLastSeq: number | null;
  checkpoints: Record<string, number>;
}

/** Everything /health and /metrics report. */
export interface ServiceStatus {
  postgres: ComponentStatus;
  nats: ComponentStatus;
  projector: ProjectorStatus;
  deadLetters: number | null;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readTables(ctx: AppContext) {
  const [health, checkpoints] = await Promise.all([
    readProjectorHealth(ctx.sql),
    // Per projection, for /metrics; the projector's health gives only the lowest.
    ctx.sql<{ projection: string; last_seq: number }[]>`
      SELECT projection, last_seq FROM projection_checkpoints`,
  ]);
  return { health, checkpoints };
}

async function streamLastSeq(ctx: AppContext): Promise<number> {
  await ctx.nats.flush();
  const jsm = await ctx.jsm();
  try {
    return (await jsm.streams.info(STREAM_NAME)).state.last_seq;
  } catch (error) {
    // No stream yet means nothing was published: nothing to lag behind.
    if (/not found/i.test(message(error))) return 0;
    throw error;
  }
}

/** Checks every dependency, each bounded by `timeoutMs`. */
export async function serviceStatus(ctx: AppContext, timeoutMs = 2000): Promise<ServiceStatus> {
  const [tables, lastSeq] = await Promise.allSettled([
    withTimeout(readTables(ctx), timeoutMs, "PostgreSQL"),
    ctx.nats.isClosed()
      ? Promise.reject(new Error("connection closed"))
      : withTimeout(streamLastSeq(ctx), timeoutMs, "NATS"),
  ]);
  const postgres: ComponentStatus = tables.status === "fulfilled"
    ? { status: "ok" }
    : { status: "down", error: message(tables.reason) };
  const nats: ComponentStatus = lastSeq.status === "fulfilled"
    ? { status: "ok" }
    : { status: "down", error: message(lastSeq.reason) };
  const t = tables.status === "fulfilled" ? tables.value : undefined;
  const seq = lastSeq.status === "fulfilled" ? lastSeq.value : null;
  const checkpoints = Object.fromEntries(
    (t?.checkpoints ?? []).map((r) => [r.projection, r.last_seq]),
  );
  const staleMs = ctx.settings.projectorStaleMs ?? 30_000;
  const heartbeat = t?.health.heartbeatAt ? Date.parse(t.health.heartbeatAt) : undefined;
  const projector: ProjectorStatus = {
    status: heartbeat === undefined
      ? "unknown"
      : ctx.now().getTime() - heartbeat <= staleMs
      ? "ok"
      : "stale",
    heartbeatAt: t?.health.heartbeatAt ?? null,
    eventsPerSec: t?.health.heartbeatAt ? t.health.eventsPerSec : null,
    // The stream's own last sequence is fresher than the one the projector last reported.
    lag: seq === null || !t ? null : Math.max(0, seq - t.health.checkpointSeq),
    streamLastSeq: seq,
    checkpoints,
  };
  return { postgres, nats, projector, deadLetters: t?.health.deadLetters ?? null };
}
