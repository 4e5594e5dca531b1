/** List specs of the signal types kept one row per event: state changes, errors, sensors, x-rays. */
import type { Row, Sql } from "postgres";
import { afterTimeKey, and, anyOf, dir, limitOf, window } from "./_sql.ts";
import { usText } from "./db.ts";
import type { ListSpec, Page } from "./list.ts";
import { iso } from "./time.ts";

/** Filters common to every signal list, plus the type-specific ones. */
export interface SignalFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  machines?: string[] | undefined;
  state?: string[] | undefined;
  severity?: string[] | undefined;
  code?: string[] | undefined;
  failure?: boolean | undefined;
}

/** Types stored one row per event, with their tables. */
export const EVENT_TABLES = {
  state_change: "state_changes",
  error: "errors",
  sensor: "sensor_readings",
  xray: "xray_scans",
} as const;
/** A signal type stored one row per event. */
export type EventTableType = keyof typeof EVENT_TABLES;

type EventRow = Row & {
  seq: number;
  event_id: string;
  machine_id: string;
  at: Date;
  at_us: string;
};

const base = (row: EventRow) => ({
  id: row.event_id,
  seq: row.seq,
  machineId: row.machine_id,
  at: iso(row.at)!,
});

const PRESENT: Record<EventTableType, {
  columns: string[];
  json: (row: EventRow) => Record<string, unknown>;
  cells: (row: EventRow) => unknown[];
}> = {
  state_change: {
    columns: ["from", "to"],
    json: (r) => ({ from: r.from_state, to: r.to_state }),
    cells: (r) => [r.from_state, r.to_state],
  },
  error: {
    columns: ["code", "severity", "message"],
    json: (r) => ({ code: r.code, severity: r.severity, message: r.message }),
    cells: (r) => [r.code, r.severity, r.message],
  },
  sensor: {
    columns: ["readings", "failure_type", "failure_progress"],
    json: (r) => ({
      readings: r.readings,
      failure: r.failure_type === null
        ? null
        : { type: r.failure_type, progress: r.failure_progress },
    }),
    cells: (r) => [JSON.stringify(r.readings), r.failure_type, r.failure_progress],
  },
  xray: {
    columns: [
      "point_count",
      "min_lat",
      "max_lat",
      "min_lon",
      "max_lon",
      "min_speed",
      "avg_speed",
      "max_speed",
      "duration_ms",
    ],
    json: (r) => ({
      pointCount: r.point_count,
      bbox: { minLat: r.min_lat, maxLat: r.max_lat, minLon: r.min_lon, maxLon: r.max_lon },
      speed: { min: r.min_speed, avg: r.avg_speed, max: r.max_speed },
      durationMs: r.duration_ms,
    }),
    cells: (r) => [
      r.point_count,
      r.min_lat,
      r.max_lat,
      r.min_lon,
      r.max_lon,
      r.min_speed,
      r.avg_speed,
      r.max_speed,
      r.duration_ms,
    ],
  },
};

function typeConditions(sql: Sql, type: EventTableType, filter: SignalFilter) {
  switch (type) {
    case "state_change":
      return anyOf(sql, { column: "to_state", values: filter.state });
    case "error":
      return [
        ...anyOf(sql, { column: "severity", values: filter.severity }),
        ...anyOf(sql, { column: "code", values: filter.code }),
      ];
    case "sensor":
      return filter.failure === undefined
        ? []
        : [filter.failure ? sql`failure_type IS NOT NULL` : sql`failure_type IS NULL`];
    case "xray":
      return [];
  }
}

/** The list of one event-table signal type under `filter`. */
export function eventTableSpec(
  type: EventTableType,
  filter: SignalFilter,
): ListSpec<EventRow, Record<string, unknown>> {
  const present = PRESENT[type];
  return {
    scope: type,
    keyKinds: ["time", "seq"],
    query: (sql: Sql, page: Page) =>
      sql<EventRow[]>`
        SELECT *, ${usText(sql, "at")} AS at_us
        FROM ${sql(EVENT_TABLES[type])}
        WHERE ${
        and(sql, [
          ...window(sql, { column: "at", from: filter.from, to: filter.to }),
          ...anyOf(sql, { column: "machine_id", values: filter.machines }),
          ...typeConditions(sql, type, filter),
          ...afterTimeKey(sql, { columns: ["at", "seq"], page }),
        ])
      }
        ORDER BY at ${dir(sql, page.order)}, seq ${dir(sql, page.order)}
        ${limitOf(sql, page.limit)}`,
    keyOf: (row) => [row.at_us, row.seq],
    toJson: (row) => ({ ...base(row), ...present.json(row) }),
    csvColumns: ["id", "seq", "machine_id", "at", ...present.columns],
    toCells: (row) => [row.event_id, row.seq, row.machine_id, iso(row.at), ...present.cells(row)],
  };
}

/** One row by event id, or undefined. */
export async function eventById(
  sql: Sql,
  { type, id }: { type: EventTableType; id: string },
): Promise<Record<string, unknown> & { seq: number } | undefined> {
  const [row] = await sql<EventRow[]>`
    SELECT *, '0' AS at_us FROM ${sql(EVENT_TABLES[type])} WHERE event_id = ${id}`;
  return row ? { ...base(row), ...PRESENT[type].json(row) } : undefined;
}
