/** The shape every simulated signal source shares, and the envelope builder they use. */
import {
  EVENT_VERSION,
  type EventOf,
  type SignalEvent,
  type SignalType,
  uuidV7,
} from "../events/mod.ts";
import type { Random } from "./random.ts";

/** A simulated source of events on a clock it advances itself. */
export interface Source {
  /** Simulated time (epoch ms) of the next tick. */
  at: number;
  /** Runs the tick due at `at`, appending its events (maybe none) to `out`, and moves `at` on. */
  tick(out: SignalEvent[]): void;
}

/** An event of `type` at `timeMs`, its id drawn from `random` so a seed replays it exactly. */
export function makeEvent<T extends SignalType>(
  type: T,
  fields: { machineId: string; timeMs: number; data: EventOf<T>["data"]; random: Random },
): EventOf<T> {
  return {
    id: uuidV7(fields.timeMs, fields.random),
    type,
    v: EVENT_VERSION,
    machineId: fields.machineId,
    occurredAt: new Date(fields.timeMs).toISOString(),
    data: fields.data,
  } as EventOf<T>;
}
