/** The `sensor_readings` projection: a compact row per sensor event. */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";

/** A row of `sensor_readings`. */
export interface SensorReadingRow {
  seq: number;
  event_id: string;
  machine_id: string;
  at: string;
  readings: Record<string, number>;
  failure_type: string | null;
  failure_progress: number | null;
}

/** The rows a batch adds to `sensor_readings`. */
export function projectSensorReadings(events: readonly StreamEvent[]): SensorReadingRow[] {
  const rows: SensorReadingRow[] = [];
  for (const { seq, event } of events) {
    if (event.type !== "sensor") continue;
    rows.push({
      seq,
      event_id: event.id,
      machine_id: event.machineId,
      at: canonicalIso(event.occurredAt),
      readings: event.data.readings,
      failure_type: event.data.failure?.type ?? null,
      failure_progress: event.data.failure?.progress ?? null,
    });
  }
  return rows;
}
