/** The `state_changes` projection: one history row per state_change event. */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";
import { historyProjection } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col } from "../store/columns.ts";

/** A row of `state_changes`. */
export interface StateChangeRow {
  seq: number;
  event_id: string;
  machine_id: string;
  from_state: string | null;
  to_state: string;
  at: string;
}

/** The rows a batch adds to `state_changes`. */
export function projectStateChanges(events: readonly StreamEvent[]): StateChangeRow[] {
  const rows: StateChangeRow[] = [];
  for (const { seq, event } of events) {
    if (event.type !== "state_change") continue;
    rows.push({
      seq,
      event_id: event.id,
      machine_id: event.machineId,
      from_state: event.data.from,
      to_state: event.data.to,
      at: canonicalIso(event.occurredAt),
    });
  }
  return rows;
}

/** The `state_changes` read model, a history table. */
export const stateChanges = historyProjection({
  name: "state_changes",
  canHandle: ["state_change"],
  project: projectStateChanges,
  async write(tx, rows: readonly StateChangeRow[], schema) {
    if (rows.length === 0) return;
    await tx`INSERT INTO ${tableIn(tx, schema, "state_changes")}
        (seq, event_id, machine_id, from_state, to_state, at)
      SELECT * FROM unnest(${col(rows, "seq")}::bigint[], ${col(rows, "event_id")}::uuid[],
        ${col(rows, "machine_id")}::text[], ${col(rows, "from_state")}::text[],
        ${col(rows, "to_state")}::text[], ${col(rows, "at")}::timestamptz[])
      ON CONFLICT DO NOTHING`;
  },
});
