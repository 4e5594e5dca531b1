/**
 * The `failures` fold: failure episodes from sensor events. An episode starts with the
 * first event that reports a failure, keeps its peak progress, and ends with the first event that
 * reports none (or another failure type, which starts the next episode). Episodes span batches:
 * the runner passes in the machines' ongoing episodes.
 */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";

/** A row of `failures`. */
export interface FailureRow {
  start_seq: number;
  start_event_id: string;
  machine_id: string;
  type: string;
  started_at: string;
  ended_at: string | null;
  end_seq: number | null;
  end_event_id: string | null;
  peak_progress: number;
}

/** The machines whose ongoing episodes a batch needs, ordered. */
export function failureMachines(events: readonly StreamEvent[]): string[] {
  const ids = new Set<string>();
  for (const { event } of events) if (event.type === "sensor") ids.add(event.machineId);
  return [...ids].sort();
}

/**
 * The episodes a batch creates or changes, ordered by start sequence (so an episode that ends is
 * written before the next one of its machine starts). `events` must be in stream order.
 */
export function projectFailures(
  events: readonly StreamEvent[],
  ongoing: readonly FailureRow[],
): FailureRow[] {
  const open = new Map(ongoing.map((row) => [row.machine_id, { ...row }]));
  const changed = new Map<number, FailureRow>();
  for (const { seq, event } of events) {
    if (event.type !== "sensor") continue;
    const failure = event.data.failure;
    const current = open.get(event.machineId);
    const at = canonicalIso(event.occurredAt);
    if (current && (failure === null || failure.type !== current.type)) {
      current.ended_at = at;
      current.end_seq = seq;
      current.end_event_id = event.id;
      changed.set(current.start_seq, current);
      open.delete(event.machineId);
    }
    if (failure === null) continue;
    const episode = open.get(event.machineId);
    if (episode) {
      if (failure.progress > episode.peak_progress) {
        episode.peak_progress = failure.progress;
        changed.set(episode.start_seq, episode);
      }
      continue;
    }
    const started: FailureRow = {
      start_seq: seq,
      start_event_id: event.id,
      machine_id: event.machineId,
      type: failure.type,
      started_at: at,
      ended_at: null,
      end_seq: null,
      end_event_id: null,
      peak_progress: failure.progress + 0,
    };
    open.set(event.machineId, started);
    changed.set(seq, started);
  }
  return [...changed.values()].sort((a, b) => a.start_seq - b.start_seq);
}
