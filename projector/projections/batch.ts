/**
 * The whole pure step of a batch: for each projection, the events after its checkpoint that it
 * handles become row changes through its fold, and its checkpoint moves to the end of the batch.
 */
import type { CheckpointRow, DeadLetterRow, DecodedBatch, StreamEvent } from "../types.ts";
import type { AnyProjection, EventType } from "../projection.ts";
import { type ProjectionName, REGISTRY, type RowsOf } from "../registry.ts";
import { toIso, toMs } from "./_time.ts";

export type { RowsOf };

/** Row changes of one batch, by projection name (absent when a projection was not run). */
export type ChangedRows =
  & { [P in ProjectionName]?: RowsOf[P][] }
  & { [name: string]: unknown[] | undefined };

/** Row changes of one batch: per projection, dead letters, checkpoints. */
export interface BatchChanges {
  rows: ChangedRows;
  deadLetters: DeadLetterRow[];
  checkpoints: CheckpointRow[];
}

/** What the pure step needs to know about the views before the batch. */
export interface ProjectState {
  /** Last sequence of each projection; missing means 0. */
  checkpoints: ReadonlyMap<string, number>;
  /**
   * Open carried rows (e.g. ongoing failure episodes) of each projection that carries rows, for
   * at least the keys {@linkcode carriedKeysOf} names. @default none
   */
  carried?: ReadonlyMap<string, readonly unknown[]>;
  /** The projections to run. @default REGISTRY */
  projections?: readonly AnyProjection[];
}

/** The events after a checkpoint (events in stream order); those at or below it were applied. */
export function eventsAfter(events: readonly StreamEvent[], checkpoint: number): StreamEvent[] {
  const first = events.findIndex((e) => e.seq > checkpoint);
  return first < 0 ? [] : events.slice(first);
}

/** The events a definition handles. */
export function handledBy(
  definition: Pick<AnyProjection, "canHandle">,
  events: readonly StreamEvent[],
): readonly StreamEvent[] {
  const types: readonly EventType[] = definition.canHandle;
  if (types.length >= ALL_TYPES) return events;
  return events.filter((e) => types.includes(e.event.type));
}

const ALL_TYPES = 5;

/** For each projection that carries rows, the keys whose open rows the batch needs loaded. */
export function carriedKeysOf(
  batch: DecodedBatch,
  checkpoints: ReadonlyMap<string, number>,
  projections: readonly AnyProjection[] = REGISTRY,
): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const definition of projections) {
    if (!definition.carried) continue;
    const after = eventsAfter(batch.events, checkpoints.get(definition.name) ?? 0);
    keys.set(definition.name, definition.carried.keysOf(handledBy(definition, after)));
  }
  return keys;
}

/** Projects one decoded batch into row changes. */
export function projectBatch(batch: DecodedBatch, state: ProjectState): BatchChanges {
  const rows: ChangedRows = {};
  const checkpoints: CheckpointRow[] = [];
  // Projections usually share one checkpoint; filter and scan the batch once per distinct one.
  const after = new Map<number, { events: StreamEvent[]; latest: string | null }>();
  const projections: readonly AnyProjection[] = state.projections ?? REGISTRY;
  for (const definition of projections) {
    const checkpoint = state.checkpoints.get(definition.name) ?? 0;
    if (batch.lastSeq <= checkpoint) continue;
    let slice = after.get(checkpoint);
    if (!slice) {
      const events = eventsAfter(batch.events, checkpoint);
      slice = { events, latest: latestOccurredAt(events) };
      after.set(checkpoint, slice);
    }
    const carried = state.carried?.get(definition.name) ?? [];
    rows[definition.name] = definition.project(handledBy(definition, slice.events), carried);
    checkpoints.push({
      projection: definition.name,
      last_seq: batch.lastSeq,
      last_event_at: slice.latest,
    });
  }
  return { rows, deadLetters: batch.deadLetters, checkpoints };
}

function latestOccurredAt(events: readonly StreamEvent[]): string | null {
  let latest: number | null = null;
  for (const { event } of events) {
    const ms = toMs(event.occurredAt);
    if (latest === null || ms > latest) latest = ms;
  }
  return latest === null ? null : toIso(latest);
}
