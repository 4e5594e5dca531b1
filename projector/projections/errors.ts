/** The `errors` projection: the error log, one row per error event. */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";

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
