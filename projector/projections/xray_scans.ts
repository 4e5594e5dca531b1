/** The `xray_scans` projection: per scan its extent and speed; the raw points stay in the stream. */
import type { StreamEvent } from "../types.ts";
import type { XrayEvent } from "../../events/mod.ts";
import { canonicalIso } from "./_time.ts";
import { historyProjection } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col } from "../store/columns.ts";

/** A row of `xray_scans`. */
export interface XrayScanRow {
  seq: number;
  event_id: string;
  machine_id: string;
  at: string;
  point_count: number;
  min_lat: number;
  max_lat: number;
  min_lon: number;
  max_lon: number;
  min_speed: number;
  avg_speed: number;
  max_speed: number;
  /** Time between the first and the last point. */
  duration_ms: number;
}

/** The rows a batch adds to `xray_scans`. */
export function projectXrayScans(events: readonly StreamEvent[]): XrayScanRow[] {
  const rows: XrayScanRow[] = [];
  for (const { seq, event } of events) {
    if (event.type === "xray") rows.push(summarise(seq, event));
  }
  return rows;
}

function summarise(seq: number, event: XrayEvent): XrayScanRow {
  let minLat = Infinity, maxLat = -Infinity, minLon = Infinity, maxLon = -Infinity;
  let minSpeed = Infinity, maxSpeed = -Infinity, sumSpeed = 0;
  let minT = Infinity, maxT = -Infinity;
  for (const [t, [lat, lon, speed]] of event.data.dataPoints) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    minSpeed = Math.min(minSpeed, speed);
    maxSpeed = Math.max(maxSpeed, speed);
    sumSpeed += speed;
    minT = Math.min(minT, t);
    maxT = Math.max(maxT, t);
  }
  const n = event.data.dataPoints.length;
  // `+ 0` turns -0 into 0, which PostgreSQL would not keep apart anyway.
  return {
    seq,
    event_id: event.id,
    machine_id: event.machineId,
    at: canonicalIso(event.occurredAt),
    point_count: n,
    min_lat: minLat + 0,
    max_lat: maxLat + 0,
    min_lon: minLon + 0,
    max_lon: maxLon + 0,
    min_speed: minSpeed + 0,
    avg_speed: sumSpeed / n + 0,
    max_speed: maxSpeed + 0,
    duration_ms: maxT - minT + 0,
  };
}

/** The `xray_scans` read model, a history table. */
export const xrayScans = historyProjection({
  name: "xray_scans",
  canHandle: ["xray"],
  project: projectXrayScans,
  async write(tx, rows: readonly XrayScanRow[], schema) {
    if (rows.length === 0) return;
    await tx`INSERT INTO ${tableIn(tx, schema, "xray_scans")}
        (seq, event_id, machine_id, at, point_count, min_lat, max_lat, min_lon, max_lon,
         min_speed, avg_speed, max_speed, duration_ms)
      SELECT * FROM unnest(${col(rows, "seq")}::bigint[], ${col(rows, "event_id")}::uuid[],
        ${col(rows, "machine_id")}::text[], ${col(rows, "at")}::timestamptz[],
        ${col(rows, "point_count")}::int[], ${col(rows, "min_lat")}::float8[],
        ${col(rows, "max_lat")}::float8[], ${col(rows, "min_lon")}::float8[],
        ${col(rows, "max_lon")}::float8[], ${col(rows, "min_speed")}::float8[],
        ${col(rows, "avg_speed")}::float8[], ${col(rows, "max_speed")}::float8[],
        ${col(rows, "duration_ms")}::float8[])
      ON CONFLICT DO NOTHING`;
  },
});
