/**
 * Test fixture of the time-travel and dashboard tests: events built by hand at given instants,
 * and projected into PostgreSQL by the projector's own batch writer, as a running projector would.
 */
import type { Sql } from "postgres";
import type { SignalEvent } from "../events/mod.ts";
import { commitBatch } from "../projector/mod.ts";
import { type DataOf, testEvent } from "../testing/mod.ts";

/** A valid event of `type` for `machineId` at `atMs`, with a fresh uuid v7-shaped id. */
export function eventAt(
  type: SignalEvent["type"],
  machineId: string,
  atMs: number,
  data: unknown,
): SignalEvent {
  return testEvent(type, machineId, atMs, data as DataOf<typeof type>);
}

/** Projects `events` in one batch at stream sequences `seqs` (default 1, 2, …). */
export async function projectEvents(
  sql: Sql,
  events: readonly SignalEvent[],
  seqs: readonly number[] = events.map((_, i) => i + 1),
): Promise<void> {
  await commitBatch(sql, {
    events: events.map((event, i) => ({ seq: seqs[i]!, event })),
    deadLetters: [],
    lastSeq: Math.max(0, ...seqs),
  });
}
