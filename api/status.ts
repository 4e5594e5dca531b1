/**
 * Health of PostgreSQL, NATS and the projector, and of this process. A probe that fails says its
 * dependency is down; a probe that only runs out of time while this process's event loop lags
 * says nothing about the dependency, so it is reported as overload, not as the dependency down.
 */
import { isJetStreamApiError, JetStreamCodes, STREAM_NAME } from "../events/mod.ts";
import { type LiveWorker, readLiveWorkers, readProjectorHealth } from "../projector/mod.ts";
import type { AppContext } from "./_context.ts";
import { sampleLag } from "./load.ts";
import { withTimeout } from "../lib/timeout.ts";

/** The status of one dependency; `unknown` when its probe was starved by this process's load. */
export interface ComponentStatus {
  status: "ok" | "down" | "unknown";
  error?: string;
  /** How long the probe took, in ms. */
  probeMs?: number;
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

/** How busy this API process is. */
export interface ProcessStatus {
  status: "ok" | "overloaded";
  /** The worst event-loop delay seen while probing, in ms. */
  eventLoopDelayMs: number;
  /** HTTP requests being handled, this one included. */
  inFlight: number;
  /** Open `/stream` connections. */
  sseClients: number;
}

/** A NATS server holding a copy of the stream. */
export interface NatsNode {
  name: string;
  leader: boolean;
  /** Whether its copy is up to date with the leader's. */
  current: boolean;
  /** Operations its copy is behind, when known. */
  lag: number | null;
}

/** The read replica behind reads, when there is one. */
export interface ReplicaStatus {
  status: "ok" | "lagging" | "down";
  /** Replay lag in ms, or null when it cannot be measured. */
  lagMs: number | null;
  maxLagMs: number;
  reason?: string;
}

/** The scale-out picture: where the stream lives, who projects what, the replica. */
export interface ClusterStatus {
  natsNodes: NatsNode[];
  workers: LiveWorker[];
  replica: ReplicaStatus | null;
}

/** Everything /health and /metrics report. */
export interface ServiceStatus {
  postgres: ComponentStatus;
  nats: ComponentStatus;
  projector: ProjectorStatus;
  process: ProcessStatus;
  deadLetters: number | null;
  cluster: ClusterStatus;
}

class ProbeTimeout extends Error {
  override name = "ProbeTimeout";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readTables(ctx: AppContext) {
  // The probe goes past the circuit: it is how the API learns the database is back.
  const sql = ctx.probeSql;
  const [health, checkpoints, workers] = await Promise.all([
    readProjectorHealth(sql),
    // Per projection, for /metrics; the projector's health gives only the lowest.
    sql<{ projection: string; last_seq: number }[]>`
      SELECT projection, last_seq FROM projection_checkpoints`,
    readLiveWorkers(sql),
  ]);
  return { health, checkpoints, workers };
}

async function streamLastSeq(ctx: AppContext): Promise<{ seq: number; nodes: NatsNode[] }> {
  if (ctx.nats.isClosed()) throw new Error("connection closed");
  await ctx.nats.flush();
  const jsm = await ctx.jsm();
  try {
    const { state, cluster } = await jsm.streams.info(STREAM_NAME);
    const nodes: NatsNode[] = cluster?.leader
      ? [
        { name: cluster.leader, leader: true, current: true, lag: 0 },
        ...(cluster.replicas ?? []).map((r) => ({
          name: r.name,
          leader: false,
          current: r.current,
          lag: r.lag ?? null,
        })),
      ]
      : [{ name: ctx.nats.info?.server_name ?? "nats", leader: true, current: true, lag: 0 }];
    return { seq: state.last_seq, nodes };
  } catch (error) {
    // No stream yet means nothing was published: nothing to lag behind.
    if (isJetStreamApiError(error, JetStreamCodes.StreamNotFound)) return { seq: 0, nodes: [] };
    throw error;
  }
}

/** Runs one probe, timing it. */
async function probe<T>(work: () => Promise<T>, ms: number, what: string) {
  const started = performance.now();
  try {
    const value = await withTimeout(
      work(),
      ms,
      () => new ProbeTimeout(`${what} did not answer within ${ms} ms`),
    );
    return { value, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

function component(
  result: { error?: unknown; ms: number },
  lagMs: number,
  overloadLagMs: number,
): ComponentStatus {
  const probeMs = Math.round(result.ms);
  if (!("error" in result)) return { status: "ok", probeMs };
  if (result.error instanceof ProbeTimeout && lagMs >= overloadLagMs) {
    return {
      status: "unknown",
      probeMs,
      error: `${message(result.error)} while this process's event loop lagged ` +
        `${Math.round(lagMs)} ms: the API is overloaded, the dependency may be fine`,
    };
  }
  return { status: "down", probeMs, error: message(result.error) };
}

/** Probes every dependency, each with its own timeout, and measures this process's load. */
export async function serviceStatus(ctx: AppContext): Promise<ServiceStatus> {
  const timeoutMs = ctx.settings.healthProbeTimeoutMs ?? 2000;
  const overloadLagMs = ctx.settings.overloadLagMs ?? 250;
  const lag = sampleLag();
  const [tables, lastSeq] = await Promise.all([
    probe(() => readTables(ctx), timeoutMs, "PostgreSQL"),
    probe(() => streamLastSeq(ctx), timeoutMs, "NATS"),
  ]);
  const lagMs = lag.stop();
  const postgres = component(tables, lagMs, overloadLagMs);
  if (postgres.status === "ok") ctx.circuit.close();
  const nats = component(lastSeq, lagMs, overloadLagMs);
  const t = tables.value;
  const seq = lastSeq.value?.seq ?? null;
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
  const process: ProcessStatus = {
    status: lagMs >= overloadLagMs ? "overloaded" : "ok",
    eventLoopDelayMs: Math.round(lagMs),
    inFlight: ctx.inFlight.count,
    sseClients: ctx.metrics.sseClients.value,
  };
  const replica = ctx.replica?.state();
  const cluster: ClusterStatus = {
    natsNodes: lastSeq.value?.nodes ?? [],
    workers: t?.workers ?? [],
    replica: replica && ctx.replica
      ? {
        status: replica.usable ? "ok" : replica.lagMs === null ? "down" : "lagging",
        lagMs: replica.lagMs,
        maxLagMs: ctx.replica.maxLagMs,
        ...(replica.reason && !replica.usable ? { reason: replica.reason } : {}),
      }
      : null,
  };
  return {
    postgres,
    nats,
    projector,
    process,
    deadLetters: t?.health.deadLetters ?? null,
    cluster,
  };
}
