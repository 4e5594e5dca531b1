/** Hand-built test events: a valid event of a type at an instant, with a fresh unique id. */
import type { SignalEvent } from "../events/mod.ts";

let counter = 0;

/** A unique, valid UUID v7 for a hand-built test event (time-ordered by creation). */
export function testId(): string {
  counter++;
  return `01900000-0000-7000-8000-${counter.toString(16).padStart(12, "0")}`;
}

/** The `data` of an event of `type`. */
export type DataOf<T extends SignalEvent["type"]> = Extract<SignalEvent, { type: T }>["data"];

/** A valid event of `type` for `machineId` at `at` (ISO 8601 text or epoch ms). */
export function testEvent<T extends SignalEvent["type"]>(
  type: T,
  machineId: string,
  at: string | number,
  data: DataOf<T>,
): SignalEvent {
  const occurredAt = typeof at === "number" ? new Date(at).toISOString() : at;
  return { id: testId(), type, v: 1, machineId, occurredAt, data } as SignalEvent;
}
