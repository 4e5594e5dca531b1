/** Shapes of the API answers the page reads. */

/** A machine as of an instant (`GET /machines?at=`). */
export interface MachineAt {
  machineId: string;
  at: string;
  state: string | null;
  stateSince: string | null;
  lastError: { code: string; severity: string; message: string; at: string } | null;
  openFailure: { type: string; startedAt: string } | null;
  power: { minute: string; avgW: number | null } | null;
  errorsLastHour: number;
}

/** An event as `/stream` sends it. */
export interface SignalEvent {
  id: string;
  type: string;
  machineId: string;
  occurredAt: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

/** An error row (`GET /signals/error`) or an error event flattened the same way. */
export interface ErrorItem {
  id: string;
  machineId: string;
  at: string;
  code: string;
  severity: string;
  message: string;
}

/** A failure episode (`GET /failures`). */
export interface FailureItem {
  id: string;
  machineId: string;
  type: string;
  startedAt: string;
  endedAt: string | null;
}

/** An x-ray scan summary (`GET /signals/xray`). */
export interface XrayItem {
  id: string;
  machineId: string;
  at: string;
}

/** A scan path: points of [tOffsetMs, [lat, lon, speed]]. */
export type XrayPoints = [number, [number, number, number]][];
