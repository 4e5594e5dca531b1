/**
 * The `power_minutes` projection: samples pre-aggregated per machine and minute within the batch.
 * Sums are integer milliwatts and energies integer microjoules, each rounded once per
 * (event, minute) segment, so any split into batches adds up to the same totals.
 */
import type { PowerEvent } from "../../events/mod.ts";
import type { StreamEvent } from "../types.ts";
import { toIso, toMs } from "./_time.ts";

const MINUTE_MS = 60_000;

/** A row of `power_minutes`. */
export interface PowerMinuteRow {
  machine_id: string;
  /** Start of the minute (ISO). */
  minute: string;
  samples: number;
  sum_mw: number;
  min_w: number;
  max_w: number;
  energy_uj: number;
  /** Events with at least one sample in this minute. */
  events: number;
  last_seq: number;
}

/** The samples of one event that fall into one minute. */
export interface PowerSegment {
  minuteMs: number;
  samples: number;
  sumMw: number;
  minW: number;
  maxW: number;
  energyUj: number;
}

/** Splits an event's samples at minute boundaries; sample i is at occurredAt + i / rate. */
export function powerSegments(event: PowerEvent): PowerSegment[] {
  let segments = segmentCache.get(event);
  if (!segments) {
    segments = computeSegments(event);
    segmentCache.set(event, segments);
  }
  return segments;
}

// Both `machines` (energy) and `power_minutes` need the segments of the same event objects.
const segmentCache = new WeakMap<PowerEvent, PowerSegment[]>();

function computeSegments(event: PowerEvent): PowerSegment[] {
  const start = toMs(event.occurredAt);
  const { sampleRateHz: rate, watts } = event.data;
  const segments: PowerSegment[] = [];
  let current: PowerSegment | undefined;
  for (let i = 0; i < watts.length; i++) {
    const minuteMs = Math.floor((start + (i * 1000) / rate) / MINUTE_MS) * MINUTE_MS;
    const w = watts[i]! + 0;
    if (current?.minuteMs !== minuteMs) {
      current = { minuteMs, samples: 0, sumMw: 0, minW: w, maxW: w, energyUj: 0 };
      segments.push(current);
    }
    current.samples++;
    current.sumMw += Math.round(w * 1000);
    if (w < current.minW) current.minW = w;
    if (w > current.maxW) current.maxW = w;
  }
  // mW summed over samples of 1/rate s each is mJ; one rounding per segment keeps it exact later.
  for (const s of segments) s.energyUj = Math.round((s.sumMw * 1000) / rate) + 0;
  return segments;
}

/** Time (epoch ms, whole) and value of an event's last sample. */
export function lastSample(event: PowerEvent): { atMs: number; watts: number } {
  const { sampleRateHz: rate, watts } = event.data;
  const atMs = Math.floor(toMs(event.occurredAt) + ((watts.length - 1) * 1000) / rate);
  return { atMs, watts: watts[watts.length - 1]! + 0 };
}

/** Combines two aggregates of the same machine and minute; commutative and associative. */
export function mergePowerMinute(a: PowerMinuteRow, b: PowerMinuteRow): PowerMinuteRow {
  return {
    machine_id: a.machine_id,
    minute: a.minute,
    samples: a.samples + b.samples,
    sum_mw: a.sum_mw + b.sum_mw,
    min_w: Math.min(a.min_w, b.min_w),
    max_w: Math.max(a.max_w, b.max_w),
    energy_uj: a.energy_uj + b.energy_uj,
    events: a.events + b.events,
    last_seq: Math.max(a.last_seq, b.last_seq),
  };
}

/** The key of a power minute row. */
export function powerMinuteKey(row: Pick<PowerMinuteRow, "machine_id" | "minute">): string {
  return `${row.machine_id}|${row.minute}`;
}

/** The batch's power samples, one row per machine and minute, ordered by machine and minute. */
export function projectPowerMinutes(events: readonly StreamEvent[]): PowerMinuteRow[] {
  const rows = new Map<string, PowerMinuteRow>();
  for (const { seq, event } of events) {
    if (event.type !== "power") continue;
    for (const s of powerSegments(event)) {
      const row: PowerMinuteRow = {
        machine_id: event.machineId,
        minute: toIso(s.minuteMs),
        samples: s.samples,
        sum_mw: s.sumMw,
        min_w: s.minW,
        max_w: s.maxW,
        energy_uj: s.energyUj,
        events: 1,
        last_seq: seq,
      };
      const key = powerMinuteKey(row);
      const seen = rows.get(key);
      rows.set(key, seen ? mergePowerMinute(seen, row) : row);
    }
  }
  // A stable order keeps lock order the same across concurrent writers.
  return [...rows.values()].sort((a, b) =>
    a.machine_id < b.machine_id
      ? -1
      : a.machine_id > b.machine_id
      ? 1
      : a.minute < b.minute
      ? -1
      : a.minute > b.minute
      ? 1
      : 0
  );
}
