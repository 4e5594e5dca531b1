/** The `state_changes` projection: one history row per state_change event. */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";

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
