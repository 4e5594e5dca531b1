/**
 * The whole pure step of a batch: for each projection, the events after its checkpoint become
 * row changes, and its checkpoint moves to the end of the batch.
 */
import type {
  CheckpointRow,
  DeadLetterRow,
  DecodedBatch,
  ProjectionName,
  StreamEvent,
} from "../types.ts";
import { PROJECTIONS } from "../types.ts";
import { assertNever } from "../../events/mod.ts";
import { toIso, toMs } from "./_time.ts";
import { type MachineRow, projectMachines } from "./machines.ts";
import { projectStateChanges, type StateChangeRow } from "./state_changes.ts";
import { type ErrorRow, projectErrors } from "./errors.ts";
import { type PowerMinuteRow, projectPowerMinutes } from "./power_minutes.ts";
import { projectSensorReadings, type SensorReadingRow } from "./sensor_readings.ts";
import { failureMachines, type FailureRow, projectFailures } from "./failures.ts";
import { projectXrayScans, type XrayScanRow } from "./xray_scans.ts";

/** The rows of each read model, by projection name. */
export interface RowsOf {
  machines: MachineRow;
  state_changes: StateChangeRow;
  errors: ErrorRow;
  power_minutes: PowerMinuteRow;
  sensor_readings: SensorReadingRow;
  failures: FailureRow;
  xray_scans: XrayScanRow;
}

/** Row changes of one batch: per projection (absent when not projected), dead letters, checkpoints. */
export interface BatchChanges {
  rows: { [P in ProjectionName]?: RowsOf[P][] };
  deadLetters: DeadLetterRow[];
  checkpoints: CheckpointRow[];
}

/** What the pure step needs to know about the views before the batch. */
export interface ProjectState {
  /** Last sequence of each projection; missing means 0. */
  checkpoints: ReadonlyMap<ProjectionName, number>;
  /** Ongoing failure episodes of (at least) the machines in {@linkcode failureMachinesOf}. */
  ongoingFailures: readonly FailureRow[];
  /** The projections to run. @default PROJECTIONS */
  projections?: readonly ProjectionName[];
}

/** The events after a checkpoint (events in stream order); those at or below it were applied. */
export function eventsAfter(events: readonly StreamEvent[], checkpoint: number): StreamEvent[] {
  const first = events.findIndex((e) => e.seq > checkpoint);
  return first < 0 ? [] : events.slice(first);
}

/** The machines whose ongoing failure episodes the batch needs loaded. */
export function failureMachinesOf(
  batch: DecodedBatch,
  checkpoints: ReadonlyMap<ProjectionName, number>,
): string[] {
  return failureMachines(eventsAfter(batch.events, checkpoints.get("failures") ?? 0));
}

/** Projects one decoded batch into row changes. */
export function projectBatch(batch: DecodedBatch, state: ProjectState): BatchChanges {
  const rows: BatchChanges["rows"] = {};
  const checkpoints: CheckpointRow[] = [];
  // Projections usually share one checkpoint; filter and scan the batch once per distinct one.
  const after = new Map<number, { events: StreamEvent[]; latest: string | null }>();
  for (const projection of state.projections ?? PROJECTIONS) {
    const checkpoint = state.checkpoints.get(projection) ?? 0;
    if (batch.lastSeq <= checkpoint) continue;
    let slice = after.get(checkpoint);
    if (!slice) {
      const events = eventsAfter(batch.events, checkpoint);
      slice = { events, latest: latestOccurredAt(events) };
      after.set(checkpoint, slice);
    }
    project(projection, slice.events, state.ongoingFailures, rows);
    checkpoints.push({ projection, last_seq: batch.lastSeq, last_event_at: slice.latest });
  }
  return { rows, deadLetters: batch.deadLetters, checkpoints };
}

function project(
  projection: ProjectionName,
  events: StreamEvent[],
  ongoing: readonly FailureRow[],
  rows: BatchChanges["rows"],
): void {
  switch (projection) {
    case "machines":
      rows.machines = projectMachines(events);
      return;
    case "state_changes":
      rows.state_changes = projectStateChanges(events);
      return;
    case "errors":
      rows.errors = projectErrors(events);
      return;
    case "power_minutes":
      rows.power_minutes = projectPowerMinutes(events);
      return;
    case "sensor_readings":
      rows.sensor_readings = projectSensorReadings(events);
      return;
    case "failures":
      rows.failures = projectFailures(events, ongoing);
      return;
    case "xray_scans":
      rows.xray_scans = projectXrayScans(events);
      return;
    default:
      assertNever(projection);
  }
}

function latestOccurredAt(events: readonly StreamEvent[]): string | null {
  let latest: number | null = null;
  for (const { event } of events) {
    const ms = toMs(event.occurredAt);
    if (latest === null || ms > latest) latest = ms;
  }
  return latest === null ? null : toIso(latest);
}
