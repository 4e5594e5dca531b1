/**
 * Leases in PostgreSQL: which worker writes which read model. A lease row has an owner, an expiry
 * and a fence that grows with every acquisition; a worker's batch transaction locks and checks
 * its lease rows first ({@linkcode verifyLeases}), so a worker whose lease expired or was taken
 * can never commit, and a taker waits for a commit in flight. Every holding is recorded in
 * `projector_lease_history` with the stream range it applied, for audits and tests.
 */
import type { Sql, TransactionSql } from "postgres";

/** A lease held: the unit (a read model's name) and the fence of this holding. */
export interface Held {
  unit: string;
  fence: number;
}

/** The lease a batch counted on was lost: nothing of the batch is written. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  readonly code = "lease_lost";
  constructor(readonly units: string[]) {
    super(`Lease lost on ${units.join(", ")}: another worker may own it now`);
  }
}

/** A free lease row for each unit not known yet (the tables come from migration 007). */
export async function ensureLeaseRows(sql: Sql, units: readonly string[]): Promise<void> {
  await sql`INSERT INTO projector_leases (unit) SELECT unnest(${units as string[]}::text[])
    ON CONFLICT DO NOTHING`;
}

/** Who a worker is, as the workers table shows it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
}

/** Marks the worker alive for `ttlMs` more, with what it owns; returns the live workers' count. */
export async function heartbeat(
  sql: Sql,
  worker: WorkerInfo,
  o: { ttlMs: number; owns: readonly string[] },
): Promise<number> {
  const [row] = await sql<{ live: number }[]>`
    WITH me AS (
      INSERT INTO projector_workers (id, host, pid, seen_at, expires_at, owns)
      VALUES (${worker.id}, ${worker.host}, ${worker.pid}, clock_timestamp(),
        clock_timestamp() + ${o.ttlMs} * interval '1 millisecond', ${o.owns as string[]})
      ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at,
        expires_at = EXCLUDED.expires_at, owns = EXCLUDED.owns)
    SELECT 1 + count(*)::int AS live FROM projector_workers
    WHERE expires_at > clock_timestamp() AND id <> ${worker.id}`;
  return row?.live ?? 1;
}

/** Extends the worker's leases; returns those it still holds (a missing one was lost). */
export async function renewLeases(
  sql: Sql,
  workerId: string,
  held: readonly Held[],
  ttlMs: number,
): Promise<Held[]> {
  if (held.length === 0) return [];
  const rows = await sql<{ unit: string; fence: string }[]>`
    UPDATE projector_leases l SET expires_at = clock_timestamp() + ${ttlMs} * interval '1 millisecond'
    FROM unnest(${held.map((h) => h.unit)}::text[], ${held.map((h) => h.fence)}::bigint[])
      AS h(unit, fence)
    WHERE l.unit = h.unit AND l.fence = h.fence AND l.owner = ${workerId}
      AND l.expires_at > clock_timestamp()
    RETURNING l.unit, l.fence`;
  return rows.map((r) => ({ unit: r.unit, fence: Number(r.fence) }));
}

/**
 * Takes up to `count` leases that are free or expired, preferring `order`; records each holding
 * and closes the previous one in the history. Returns what was taken.
 */
export async function acquireLeases(
  sql: Sql,
  workerId: string,
  o: { count: number; ttlMs: number; order: readonly string[] },
): Promise<Held[]> {
  if (o.count <= 0) return [];
  const rows = await sql<{ unit: string; fence: string }[]>`
    WITH pick AS (
      SELECT l.unit, l.fence, l.owner, l.expires_at FROM projector_leases l
      JOIN unnest(${o.order as string[]}::text[]) WITH ORDINALITY AS o(unit, n) USING (unit)
      WHERE l.owner IS NULL OR l.expires_at < clock_timestamp()
      ORDER BY o.n LIMIT ${o.count}
      FOR UPDATE OF l SKIP LOCKED),
    closed AS (
      UPDATE projector_lease_history h SET released_at = least(pick.expires_at, clock_timestamp())
      FROM pick WHERE h.unit = pick.unit AND h.fence = pick.fence AND h.released_at IS NULL),
    taken AS (
      UPDATE projector_leases l SET owner = ${workerId}, fence = l.fence + 1,
        expires_at = clock_timestamp() + ${o.ttlMs} * interval '1 millisecond'
      FROM pick WHERE l.unit = pick.unit
      RETURNING l.unit, l.fence),
    recorded AS (
      INSERT INTO projector_lease_history (unit, fence, owner, acquired_at)
      SELECT unit, fence, ${workerId}, clock_timestamp() FROM taken)
    SELECT unit, fence FROM taken`;
  return rows.map((r) => ({ unit: r.unit, fence: Number(r.fence) }));
}

/** Gives leases back (after the worker stopped writing them), so another may take them at once. */
export async function releaseLeases(
  sql: Sql,
  workerId: string,
  held: readonly Held[],
): Promise<void> {
  if (held.length === 0) return;
  await sql`
    WITH freed AS (
      UPDATE projector_leases l SET owner = NULL, expires_at = '-infinity'
      FROM unnest(${held.map((h) => h.unit)}::text[], ${held.map((h) => h.fence)}::bigint[])
        AS h(unit, fence)
      WHERE l.unit = h.unit AND l.fence = h.fence AND l.owner = ${workerId}
      RETURNING l.unit, l.fence)
    UPDATE projector_lease_history h SET released_at = clock_timestamp()
    FROM freed WHERE h.unit = freed.unit AND h.fence = freed.fence AND h.released_at IS NULL`;
}

/**
 * The fence of a batch transaction: locks the worker's lease rows (a taker waits for this commit)
 * and throws {@linkcode LeaseLostError} unless every one is still this worker's and unexpired;
 * then records in the history the stream range this batch applies to each unit.
 */
export async function verifyLeases(
  tx: TransactionSql,
  workerId: string,
  held: readonly Held[],
  lastSeq: number,
): Promise<void> {
  const units = held.map((h) => h.unit);
  const rows = await tx<{ unit: string }[]>`
    SELECT l.unit FROM projector_leases l
    JOIN unnest(${units}::text[], ${held.map((h) => h.fence)}::bigint[]) AS h(unit, fence)
      USING (unit)
    WHERE l.fence = h.fence AND l.owner = ${workerId} AND l.expires_at > clock_timestamp()
    ORDER BY l.unit FOR UPDATE OF l`;
  if (rows.length !== held.length) {
    const kept = new Set(rows.map((r) => r.unit));
    throw new LeaseLostError(units.filter((u) => !kept.has(u)));
  }
  await tx`
    UPDATE projector_lease_history h SET batches = h.batches + 1,
      from_seq = COALESCE(h.from_seq, CASE WHEN COALESCE(c.last_seq, 0) < ${lastSeq}
        THEN COALESCE(c.last_seq, 0) + 1 END),
      to_seq = CASE WHEN COALESCE(c.last_seq, 0) < ${lastSeq} THEN ${lastSeq} ELSE h.to_seq END,
      last_commit_at = clock_timestamp()
    FROM unnest(${units}::text[], ${held.map((h) => h.fence)}::bigint[]) AS x(unit, fence)
    LEFT JOIN projection_checkpoints c ON c.projection = x.unit
    WHERE h.unit = x.unit AND h.fence = x.fence`;
}

/** A row of the lease history. */
export interface LeaseHolding {
  unit: string;
  fence: number;
  owner: string;
  acquiredAt: Date;
  releasedAt: Date | null;
  batches: number;
  fromSeq: number | null;
  toSeq: number | null;
  lastCommitAt: Date | null;
}

/** The whole lease history, by unit and fence. */
export async function readLeaseHistory(sql: Sql): Promise<LeaseHolding[]> {
  const rows = await sql<Record<string, unknown>[]>`
    SELECT * FROM projector_lease_history ORDER BY unit, fence`;
  return rows.map((r) => ({
    unit: String(r.unit),
    fence: Number(r.fence),
    owner: String(r.owner),
    acquiredAt: r.acquired_at as Date,
    releasedAt: (r.released_at as Date | null) ?? null,
    batches: Number(r.batches),
    fromSeq: r.from_seq === null ? null : Number(r.from_seq),
    toSeq: r.to_seq === null ? null : Number(r.to_seq),
    lastCommitAt: (r.last_commit_at as Date | null) ?? null,
  }));
}

/** A live worker as /health shows it: what it holds and how far behind it is. */
export interface LiveWorker {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  seenAt: string;
  /** The read models it holds. */
  owns: string[];
  /** Stream messages after the lowest checkpoint of what it holds, as it last saw the stream. */
  lag: number | null;
  eventsPerSec: number;
}

/** The workers whose heartbeat has not run out, with their share and lag (none before any ran). */
export async function readLiveWorkers(sql: Sql): Promise<LiveWorker[]> {
  const [table] = await sql<{ found: boolean }[]>`
    SELECT to_regclass('projector_workers') IS NOT NULL AS found`;
  if (!table?.found) return [];
  const rows = await sql<Record<string, unknown>[]>`
    SELECT w.id, w.host, w.pid, w.started_at, w.seen_at, w.owns,
      s.events_per_sec, s.stream_last_seq,
      (SELECT min(c.last_seq) FROM projection_checkpoints c WHERE c.projection = ANY(w.owns))
        AS checkpoint
    FROM projector_workers w LEFT JOIN projector_status s ON s.name = w.id
    WHERE w.expires_at > clock_timestamp() ORDER BY w.id`;
  return rows.map((r) => {
    const last = r.stream_last_seq === null ? null : Number(r.stream_last_seq);
    const checkpoint = r.checkpoint === null ? null : Number(r.checkpoint);
    return {
      id: String(r.id),
      host: String(r.host),
      pid: Number(r.pid),
      startedAt: (r.started_at as Date).toISOString(),
      seenAt: (r.seen_at as Date).toISOString(),
      owns: (r.owns as string[]).toSorted(),
      lag: last === null || checkpoint === null ? null : Math.max(0, last - checkpoint),
      eventsPerSec: Number(r.events_per_sec ?? 0),
    };
  });
}
