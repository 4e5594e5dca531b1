/**
 * The `machines` projection: one row per machine, merged commutatively. "Latest" facts win by
 * (time, sequence), counts and energy add up, so any batching and any order give the same row.
 */
import { assertNever, type Severity } from "../../events/mod.ts";
import type { StreamEvent } from "../types.ts";
import { canonicalIso, isLater, toIso, toMs } from "./_time.ts";
import { lastSample, powerSegments } from "./_power_fold.ts";

/** A row of `machines`. */
export interface MachineRow {
  machine_id: string;
  state: string | null;
  state_since: string | null;
  state_seq: number | null;
  last_seen: string;
  last_power_w: number | null;
  last_power_at: string | null;
  last_power_seq: number | null;
  last_error_code: string | null;
  last_error_at: string | null;
  last_error_seq: number | null;
  errors_info: number;
  errors_warning: number;
  errors_error: number;
  errors_critical: number;
  /** Integer microjoules (numeric in PostgreSQL, never overflows); Wh = energy_uj / 3.6e9. */
  energy_uj: number;
}

/** A machine row that knows nothing yet but when the machine was seen. */
export function emptyMachine(machineId: string, lastSeen: string): MachineRow {
  return {
    machine_id: machineId,
    state: null,
    state_since: null,
    state_seq: null,
    last_seen: lastSeen,
    last_power_w: null,
    last_power_at: null,
    last_power_seq: null,
    last_error_code: null,
    last_error_at: null,
    last_error_seq: null,
    errors_info: 0,
    errors_warning: 0,
    errors_error: 0,
    errors_critical: 0,
    energy_uj: 0,
  };
}

/** Combines two rows of the same machine; commutative and associative (the SQL upsert mirrors it). */
export function mergeMachine(a: MachineRow, b: MachineRow): MachineRow {
  const state = isLater(b.state_since, b.state_seq, a.state_since, a.state_seq) ? b : a;
  const power = isLater(b.last_power_at, b.last_power_seq, a.last_power_at, a.last_power_seq)
    ? b
    : a;
  const error = isLater(b.last_error_at, b.last_error_seq, a.last_error_at, a.last_error_seq)
    ? b
    : a;
  return {
    machine_id: a.machine_id,
    state: state.state,
    state_since: state.state_since,
    state_seq: state.state_seq,
    last_seen: toMs(b.last_seen) > toMs(a.last_seen) ? b.last_seen : a.last_seen,
    last_power_w: power.last_power_w,
    last_power_at: power.last_power_at,
    last_power_seq: power.last_power_seq,
    last_error_code: error.last_error_code,
    last_error_at: error.last_error_at,
    last_error_seq: error.last_error_seq,
    errors_info: a.errors_info + b.errors_info,
    errors_warning: a.errors_warning + b.errors_warning,
    errors_error: a.errors_error + b.errors_error,
    errors_critical: a.errors_critical + b.errors_critical,
    energy_uj: a.energy_uj + b.energy_uj,
  };
}

const SEVERITY_COLUMN = {
  info: "errors_info",
  warning: "errors_warning",
  error: "errors_error",
  critical: "errors_critical",
} as const satisfies Record<Severity, keyof MachineRow>;

/** What one event says about its machine, as a row to merge. */
export function machineFact(seq: number, event: StreamEvent["event"]): MachineRow {
  const at = canonicalIso(event.occurredAt);
  const row = emptyMachine(event.machineId, at);
  switch (event.type) {
    case "state_change":
      row.state = event.data.to;
      row.state_since = at;
      row.state_seq = seq;
      break;
    case "error":
      row.last_error_code = event.data.code;
      row.last_error_at = at;
      row.last_error_seq = seq;
      row[SEVERITY_COLUMN[event.data.severity]] = 1;
      break;
    case "power": {
      const last = lastSample(event);
      row.last_power_w = last.watts;
      row.last_power_at = toIso(last.atMs);
      row.last_power_seq = seq;
      for (const segment of powerSegments(event)) row.energy_uj += segment.energyUj;
      break;
    }
    case "sensor":
    case "xray":
      break;
    default:
      assertNever(event);
  }
  return row;
}

/** The batch's facts merged into one row per machine, ordered by machine id. */
export function projectMachines(events: readonly StreamEvent[]): MachineRow[] {
  const rows = new Map<string, MachineRow>();
  for (const { seq, event } of events) {
    const fact = machineFact(seq, event);
    const seen = rows.get(event.machineId);
    if (seen) mergeInto(seen, fact);
    else rows.set(event.machineId, fact);
  }
  return [...rows.values()].sort((a, b) => (a.machine_id < b.machine_id ? -1 : 1));
}

/** {@linkcode mergeMachine} in place, without a new row per event. */
function mergeInto(a: MachineRow, b: MachineRow): void {
  if (isLater(b.state_since, b.state_seq, a.state_since, a.state_seq)) {
    a.state = b.state;
    a.state_since = b.state_since;
    a.state_seq = b.state_seq;
  }
  if (isLater(b.last_power_at, b.last_power_seq, a.last_power_at, a.last_power_seq)) {
    a.last_power_w = b.last_power_w;
    a.last_power_at = b.last_power_at;
    a.last_power_seq = b.last_power_seq;
  }
  if (isLater(b.last_error_at, b.last_error_seq, a.last_error_at, a.last_error_seq)) {
    a.last_error_code = b.last_error_code;
    a.last_error_at = b.last_error_at;
    a.last_error_seq = b.last_error_seq;
  }
  if (toMs(b.last_seen) > toMs(a.last_seen)) a.last_seen = b.last_seen;
  a.errors_info += b.errors_info;
  a.errors_warning += b.errors_warning;
  a.errors_error += b.errors_error;
  a.errors_critical += b.errors_critical;
  a.energy_uj += b.energy_uj;
}
