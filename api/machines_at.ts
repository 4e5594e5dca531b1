/**
 * Time travel: the fleet, or one machine, as of an instant T, folded from the history tables.
 * Each machine's answer is a handful of index probes (latest state change and error at or before
 * T, the episode that started last before T, the minute of T, errors in (T-1h, T] by minute), so
 * the cost grows with the number of machines, not with the length of the history.
 */
import type { PendingQuery, Row, Sql } from "postgres";
import { and, limitOf } from "./_sql.ts";
import type { ListSpec, Page } from "./list.ts";
import { iso } from "./time.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

type MachineAtRow = Row & {
  machine_id: string;
  state: string | null;
  state_since: Date | null;
  error_code: string | null;
  error_severity: string | null;
  error_message: string | null;
  error_at: Date | null;
  error_seq: number | null;
  failure_id: string | null;
  failure_seq: number | null;
  failure_type: string | null;
  failure_started_at: Date | null;
  power_minute: Date | null;
  power_samples: number | null;
  power_sum_mw: number | null;
  power_min_w: number | null;
  power_max_w: number | null;
  power_energy_uj: number | null;
  errors_last_hour: number;
};

/** A machine as of an instant: what the history tables say held at `at`. */
export interface MachineAt {
  machineId: string;
  /** The instant asked about (ISO 8601 UTC). */
  at: string;
  /** The state after the last change at or before `at`; null when none had happened yet. */
  state: string | null;
  stateSince: string | null;
  /** The last error at or before `at`. */
  lastError: { code: string; severity: string; message: string; at: string; seq: number } | null;
  /** The failure episode that had started and not yet ended at `at`. */
  openFailure: { id: string; seq: number; type: string; startedAt: string } | null;
  /** The power of the minute that contains `at`, the whole minute as recorded. */
  power: {
    minute: string;
    samples: number;
    avgW: number | null;
    minW: number;
    maxW: number;
    energyWh: number;
  } | null;
  /** Errors in the hour before `at`: (at - 1 h, at]. */
  errorsLastHour: number;
}

/** Which machines to answer for. */
export interface MachinesAtFilter {
  /** Only machines whose state at `at` is one of these. */
  state?: string[] | undefined;
  /** Only these machines. */
  machines?: string[] | undefined;
}

/** `row` as the answer; `at` is the instant asked about, already as ISO text (one per page). */
function present(row: MachineAtRow, at: string): MachineAt {
  return {
    machineId: row.machine_id,
    at,
    state: row.state,
    stateSince: iso(row.state_since),
    lastError: row.error_code === null ? null : {
      code: row.error_code,
      severity: row.error_severity!,
      message: row.error_message!,
      at: iso(row.error_at)!,
      seq: Number(row.error_seq),
    },
    openFailure: row.failure_id === null ? null : {
      id: row.failure_id,
      seq: Number(row.failure_seq),
      type: row.failure_type!,
      startedAt: iso(row.failure_started_at)!,
    },
    power: row.power_minute === null ? null : {
      minute: iso(row.power_minute)!,
      samples: row.power_samples!,
      // mW sums are exact integers; convert only at the edge, as the power list does.
      avgW: row.power_samples! > 0 ? row.power_sum_mw! / row.power_samples! / 1000 : null,
      minW: row.power_min_w!,
      maxW: row.power_max_w!,
      energyWh: row.power_energy_uj! / 3.6e9,
    },
    errorsLastHour: row.errors_last_hour,
  };
}

/** The rows of `machines` (a subset, keyset-paged by id) folded as of `at`. */
function queryAt(
  sql: Sql,
  at: Date,
  options: { filter: MachinesAtFilter; page: Page },
): PendingQuery<MachineAtRow[]> {
  const { filter, page } = options;
  const cmp = page.order === "asc" ? sql`>` : sql`<`;
  const conditions = [];
  if (filter.machines?.length) conditions.push(sql`m.machine_id = ANY(${filter.machines})`);
  if (filter.state?.length) conditions.push(sql`s.to_state = ANY(${filter.state})`);
  if (page.after) conditions.push(sql`m.machine_id ${cmp} ${String(page.after[0])}`);
  // Errors in (T-1h, T]: the whole minutes strictly inside from error_minutes (about 59 rows a
  // machine), the two partial minutes at the edges exactly from the errors index.
  const lastEdge = new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
  const firstEdge = new Date(lastEdge.getTime() - HOUR_MS);
  const firstEnd = new Date(firstEdge.getTime() + MINUTE_MS);
  const hourAgo = new Date(at.getTime() - HOUR_MS);
  // Episodes of one machine never overlap, so the one that started last before T is the only
  // candidate for being open at T; the failures_machine_started index finds it in one probe.
  // Episodes can share started_at (one ends and the next starts on readings with the same
  // timestamp), so the log's order breaks the tie: the later one is the one still open.
  return sql<MachineAtRow[]>`
    SELECT m.machine_id,
      s.to_state AS state, s.at AS state_since,
      e.code AS error_code, e.severity AS error_severity, e.message AS error_message,
      e.at AS error_at, e.seq AS error_seq,
      f.start_event_id AS failure_id, f.start_seq AS failure_seq, f.type AS failure_type,
      f.started_at AS failure_started_at,
      p.minute AS power_minute, p.samples::float8 AS power_samples,
      p.sum_mw::float8 AS power_sum_mw, p.min_w AS power_min_w, p.max_w AS power_max_w,
      p.energy_uj::float8 AS power_energy_uj,
      (SELECT coalesce(sum(c.errors), 0) FROM error_minutes c
        WHERE c.machine_id = m.machine_id AND c.minute > ${firstEdge} AND c.minute < ${lastEdge})::int
      + (SELECT count(*) FROM errors c
        WHERE c.machine_id = m.machine_id AND c.at > ${hourAgo} AND c.at < ${firstEnd})::int
      + (SELECT count(*) FROM errors c
        WHERE c.machine_id = m.machine_id AND c.at >= ${lastEdge} AND c.at <= ${at})::int
        AS errors_last_hour
    FROM machines m
    LEFT JOIN LATERAL (
      SELECT to_state, at FROM state_changes
      WHERE machine_id = m.machine_id AND at <= ${at}
      ORDER BY at DESC, seq DESC LIMIT 1) s ON true
    LEFT JOIN LATERAL (
      SELECT code, severity, message, at, seq FROM errors
      WHERE machine_id = m.machine_id AND at <= ${at}
      ORDER BY at DESC, seq DESC LIMIT 1) e ON true
    LEFT JOIN LATERAL (
      SELECT start_event_id, start_seq, type, started_at FROM (
        SELECT * FROM failures
        WHERE machine_id = m.machine_id AND started_at <= ${at}
        ORDER BY started_at DESC, start_seq DESC LIMIT 1) last
      WHERE last.ended_at IS NULL OR last.ended_at > ${at}) f ON true
    LEFT JOIN power_minutes p
      ON p.machine_id = m.machine_id AND p.minute = date_trunc('minute', ${at}::timestamptz)
    WHERE ${and(sql, conditions)}
    ORDER BY m.machine_id ${page.order === "asc" ? sql`ASC` : sql`DESC`}
    ${limitOf(sql, page.limit)}`;
}

/** Options of {@linkcode pageAt}. */
interface FanOut {
  /** Concurrent queries a page is split into, each on a pooled connection of its own. @default 4 */
  parts?: number;
  /** Pages with fewer machines than this run as one query. @default 64 */
  minMachines?: number;
}

/**
 * A page of machines as of `at`. Each machine's answer is independent, so a large page is split
 * into `parts` runs of machine ids queried concurrently: PostgreSQL runs each query on one core,
 * and the probes of 1,000 machines are CPU-bound. A state filter applies to the state at `at`,
 * so the page's machines are not known up front and it runs as one query.
 */
async function pageAt(
  sql: Sql,
  at: Date,
  options: { filter: MachinesAtFilter; page: Page; fanOut?: FanOut },
): Promise<MachineAtRow[]> {
  const { filter, page } = options;
  const parts = options.fanOut?.parts ?? 4;
  const minMachines = options.fanOut?.minMachines ?? 64;
  if (filter.state?.length || parts < 2 || (page.limit ?? Infinity) < minMachines) {
    return await queryAt(sql, at, { filter, page });
  }
  const cmp = page.order === "asc" ? sql`>` : sql`<`;
  const ids = await sql<{ machine_id: string }[]>`
    SELECT machine_id FROM machines m
    WHERE ${
    and(sql, [
      ...(filter.machines?.length ? [sql`machine_id = ANY(${filter.machines})`] : []),
      ...(page.after ? [sql`machine_id ${cmp} ${String(page.after[0])}`] : []),
    ])
  }
    ORDER BY machine_id ${page.order === "asc" ? sql`ASC` : sql`DESC`} ${limitOf(sql, page.limit)}`;
  if (ids.length < minMachines) {
    return await queryAt(sql, at, { filter: { machines: ids.map((r) => r.machine_id) }, page });
  }
  const size = Math.ceil(ids.length / parts);
  const runs: string[][] = [];
  for (let i = 0; i < ids.length; i += size) {
    runs.push(ids.slice(i, i + size).map((r) => r.machine_id));
  }
  const answers = await Promise.all(
    runs.map((machines) => queryAt(sql, at, { filter: { machines }, page: { order: page.order } })),
  );
  return answers.flat();
}

const CSV_COLUMNS = [
  "machine_id",
  "at",
  "state",
  "state_since",
  "last_error_code",
  "last_error_severity",
  "last_error_at",
  "open_failure_type",
  "open_failure_started_at",
  "power_minute",
  "power_avg_w",
  "errors_last_hour",
];

/** The machines list as of `at`, by machine id, for `respondList`. */
export function machinesAtSpec(
  at: Date,
  filter: MachinesAtFilter = {},
): ListSpec<MachineAtRow, MachineAt> {
  const atIso = iso(at)!;
  return {
    // The instant is part of the scope, so a cursor from one instant is refused at another.
    scope: `machines@${at.getTime()}`,
    keyKinds: ["machine"],
    query: (sql, page) => pageAt(sql, at, { filter, page }),
    keyOf: (row) => [row.machine_id],
    toJson: (row) => present(row, atIso),
    csvColumns: CSV_COLUMNS,
    toCells: (row) => {
      const m = present(row, atIso);
      return [
        m.machineId,
        m.at,
        m.state,
        m.stateSince,
        m.lastError?.code ?? null,
        m.lastError?.severity ?? null,
        m.lastError?.at ?? null,
        m.openFailure?.type ?? null,
        m.openFailure?.startedAt ?? null,
        m.power?.minute ?? null,
        m.power?.avgW ?? null,
        m.errorsLastHour,
      ];
    },
  };
}

/** One machine as of `at`, or undefined when the machine is unknown. */
export async function machineAt(sql: Sql, id: string, at: Date): Promise<MachineAt | undefined> {
  const [row] = await queryAt(sql, at, {
    filter: { machines: [id] },
    page: { order: "asc", limit: 1 },
  });
  return row ? present(row, iso(at)!) : undefined;
}

/** Every machine as of `at` (at most `limit`), by machine id. */
export async function machinesAt(
  sql: Sql,
  at: Date,
  options: { filter?: MachinesAtFilter; limit?: number; fanOut?: FanOut } = {},
): Promise<MachineAt[]> {
  const rows = await pageAt(sql, at, {
    filter: options.filter ?? {},
    page: { order: "asc", limit: options.limit },
    fanOut: options.fanOut,
  });
  const atIso = iso(at)!;
  return rows.map((row) => present(row, atIso));
}

/**
 * PostgreSQL's own execution time (ms, EXPLAIN ANALYZE without per-node timing) of the fold of the
 * first `limit` machines at `at` as one statement, for the benchmark: less sensitive to a busy
 * machine than the time of a request.
 */
export async function explainMachinesAt(
  sql: Sql,
  at: Date,
  options: { limit?: number } = {},
): Promise<number> {
  const page: Page = { order: "asc", limit: options.limit };
  const [row] = await sql<{ "QUERY PLAN": { "Execution Time": number }[] }[]>`
    EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${queryAt(sql, at, { filter: {}, page })}`;
  return row!["QUERY PLAN"][0]!["Execution Time"];
}
