/** The projector's heartbeat row, and the health figures /health and /metrics read from it. */
import type { Sql } from "postgres";
import { LIVE_SCHEMA, type Queryable, tableIn } from "./schema.ts";
import { PROJECTIONS } from "../registry.ts";

/** What a running projector reports about itself. */
export interface ProjectorStatus {
  name: string;
  eventsPerSec: number;
  projectedTotal: number;
  /** Latest occurredAt projected (ISO), or null. */
  lastEventAt: string | null;
  streamLastSeq: number | null;
  checkpointSeq: number | null;
}

/** Upserts the status row of a projector, stamped with the database's clock. */
export async function writeStatus(sql: Queryable, status: ProjectorStatus): Promise<void> {
  await sql`INSERT INTO projector_status AS s (name, heartbeat_at, events_per_sec,
      projected_total, last_event_at, stream_last_seq, checkpoint_seq)
    VALUES (${status.name}, now(), ${status.eventsPerSec}, ${status.projectedTotal},
      ${status.lastEventAt}, ${status.streamLastSeq}, ${status.checkpointSeq})
    ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(),
      events_per_sec = EXCLUDED.events_per_sec, projected_total = EXCLUDED.projected_total,
      last_event_at = COALESCE(EXCLUDED.last_event_at, s.last_event_at),
      stream_last_seq = COALESCE(EXCLUDED.stream_last_seq, s.stream_last_seq),
      checkpoint_seq = COALESCE(EXCLUDED.checkpoint_seq, s.checkpoint_seq)`;
}

/** Lag, throughput and dead letters, as read by the API. */
export interface ProjectorHealth {
  /** Time of the latest heartbeat (ISO), or null when no projector ever reported. */
  heartbeatAt: string | null;
  /** Seconds since that heartbeat, or null. */
  heartbeatAgeSec: number | null;
  eventsPerSec: number;
  projectedTotal: number;
  /** Last sequence of the stream, as the projector last saw it. */
  streamLastSeq: number | null;
  /** The lowest checkpoint of all projections (0 when none has run). */
  checkpointSeq: number;
  /** Messages in the stream not yet projected everywhere: stream last seq − lowest checkpoint. */
  lagMessages: number | null;
  /** Latest occurredAt of a projected event (ISO), or null. */
  lastEventAt: string | null;
  /** Seconds between now and that event time, or null. */
  lagSeconds: number | null;
  deadLetters: number;
}

/** Reads the health of the projector named `name` (default: the latest heartbeat of any worker). */
export async function readProjectorHealth(
  sql: Sql,
  options: { name?: string; schema?: string } = {},
): Promise<ProjectorHealth> {
  // Workers write a row each (named after the worker): without a name, the latest one counts.
  const name = options.name ?? null;
  const schema = options.schema ?? LIVE_SCHEMA;
  const [row] = await sql<Record<string, unknown>[]>`
    SELECT s.heartbeat_at, s.events_per_sec, s.projected_total, s.stream_last_seq,
      extract(epoch FROM now() - s.heartbeat_at) AS heartbeat_age,
      (SELECT min(c.last_seq) FROM ${tableIn(sql, schema, "projection_checkpoints")} c
        WHERE c.projection = ANY(${[...PROJECTIONS]}::text[])) AS checkpoint_seq,
      (SELECT max(c.last_event_at) FROM ${tableIn(sql, schema, "projection_checkpoints")} c)
        AS last_event_at,
      (SELECT count(*) FROM ${tableIn(sql, schema, "dead_letters")}) AS dead_letters,
      now() AS now
    FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT * FROM projector_status
      WHERE ${name}::text IS NULL OR name = ${name} ORDER BY heartbeat_at DESC LIMIT 1) s ON true`;
  const r = row ?? {};
  const lastEventAt = r.last_event_at ? (r.last_event_at as Date) : null;
  const streamLastSeq = r.stream_last_seq === null ? null : Number(r.stream_last_seq);
  const checkpointSeq = Number(r.checkpoint_seq ?? 0);
  return {
    heartbeatAt: r.heartbeat_at ? (r.heartbeat_at as Date).toISOString() : null,
    heartbeatAgeSec: r.heartbeat_age === null ? null : Number(r.heartbeat_age),
    eventsPerSec: Number(r.events_per_sec ?? 0),
    projectedTotal: Number(r.projected_total ?? 0),
    streamLastSeq,
    checkpointSeq,
    lagMessages: streamLastSeq === null ? null : Math.max(0, streamLastSeq - checkpointSeq),
    lastEventAt: lastEventAt?.toISOString() ?? null,
    lagSeconds: lastEventAt
      ? Math.max(0, ((r.now as Date).getTime() - lastEventAt.getTime()) / 1000)
      : null,
    deadLetters: Number(r.dead_letters ?? 0),
  };
}
