/** The `errors` projection: the error log, one row per error event. */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";
import { historyProjection } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col } from "../store/columns.ts";

/** A row of `errors`. */
export interface ErrorRow {
  seq: number;
  event_id: string;
  machine_id: string;
  code: string;
  severity: string;
  message: string;
  at: string;
}

/** The rows a batch adds to `errors`. */
export function projectErrors(events: readonly StreamEvent[]): ErrorRow[] {
  const rows: ErrorRow[] = [];
  for (const { seq, event } of events) {
    if (event.type !== "error") continue;
    rows.push({
      seq,
      event_id: event.id,
      machine_id: event.machineId,
      code: event.data.code,
      severity: event.data.severity,
      message: event.data.message,
      at: canonicalIso(event.occurredAt),
    });
  }
  return rows;
}

/** The `errors` read model, a history table. */
export const errors = historyProjection({
  name: "errors",
  canHandle: ["error"],
  project: projectErrors,
  async write(tx, rows: readonly ErrorRow[], schema) {
    if (rows.length === 0) return;
    await tx`INSERT INTO ${tableIn(tx, schema, "errors")}
        (seq, event_id, machine_id, code, severity, message, at)
      SELECT * FROM unnest(${col(rows, "seq")}::bigint[], ${col(rows, "event_id")}::uuid[],
        ${col(rows, "machine_id")}::text[], ${col(rows, "code")}::text[],
        ${col(rows, "severity")}::text[], ${col(rows, "message")}::text[],
        ${col(rows, "at")}::timestamptz[])
      ON CONFLICT DO NOTHING`;
  },
});
