/**
 * The fleet as the page knows it: one view per machine, loaded from `/machines?at=` and then
 * changed by stream events. Changed machines are collected in `dirty` for the next frame.
 */
import type { MachineAt, SignalEvent } from "./types.ts";

/** What a tile shows of one machine. */
export interface MachineView {
  id: string;
  state: string | null;
  since: number | null;
  powerW: number | null;
  failure: string | null;
  /** Errors in the hour before the snapshot, plus those seen live since. */
  errorsHour: number;
  lastError: string | null;
}

/** The fleet model. */
export class Fleet {
  readonly machines = new Map<string, MachineView>();
  readonly dirty = new Set<string>();
  /** True when a machine was added, so the grid needs new tiles in order. */
  added = false;

  /** Replaces the fleet with a snapshot. */
  load(rows: MachineAt[]): void {
    this.machines.clear();
    for (const row of rows) {
      this.machines.set(row.machineId, {
        id: row.machineId,
        state: row.state,
        since: row.stateSince ? Date.parse(row.stateSince) : null,
        powerW: row.power?.avgW ?? null,
        failure: row.openFailure?.type ?? null,
        errorsHour: row.errorsLastHour,
        lastError: row.lastError ? `${row.lastError.code} (${row.lastError.severity})` : null,
      });
    }
    this.added = true;
    for (const id of this.machines.keys()) this.dirty.add(id);
  }

  private view(id: string): MachineView {
    let view = this.machines.get(id);
    if (!view) {
      view = {
        id,
        state: null,
        since: null,
        powerW: null,
        failure: null,
        errorsHour: 0,
        lastError: null,
      };
      this.machines.set(id, view);
      this.added = true;
    }
    return view;
  }

  /** Applies one stream event to its machine. */
  apply(event: SignalEvent): void {
    const view = this.view(event.machineId);
    switch (event.type) {
      case "state_change": {
        const at = Date.parse(event.occurredAt);
        // A late event must not move the state back in time.
        if (view.since !== null && at < view.since) return;
        view.state = event.data.to;
        view.since = at;
        break;
      }
      case "power": {
        const samples = event.data.watts as number[];
        const last = samples[samples.length - 1];
        if (last !== undefined) view.powerW = last;
        break;
      }
      case "error":
        view.errorsHour++;
        view.lastError = `${event.data.code} (${event.data.severity})`;
        break;
      case "sensor":
        view.failure = event.data.failure?.type ?? null;
        break;
      default:
        return;
    }
    this.dirty.add(event.machineId);
  }

  /** Sets polled power readings, marking the machines whose reading changed. */
  setPower(readings: [string, number | null][]): void {
    for (const [id, watts] of readings) {
      const view = this.machines.get(id);
      if (!view || view.powerW === watts) continue;
      view.powerW = watts;
      this.dirty.add(id);
    }
  }

  /** How many machines are in each state. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const view of this.machines.values()) {
      const key = view.state ?? "no state";
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}
