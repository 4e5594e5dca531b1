/**
 * The `power_minutes` fold: samples pre-aggregated per machine and minute within the batch.
 * Sums are integer milliwatts and energies integer microjoules, each rounded once per
 * (event, minute) segment, so any split into batches adds up to the same totals.
 */
import type { PowerEvent } from "../../events/mod.ts";
import type { StreamEvent } from "../types.ts";
import { byMachineMinute, MINUTE_MS, toIso, toMs } from "./_time.ts";

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
  const minuteOf = (i: number) => Math.floor((start + (i * 1000) / rate) / MINUTE_MS) * MINUTE_MS;
  const segments: PowerSegment[] = [];
  let from = 0;
  while (from < watts.length) {
    const minuteMs = minuteOf(from);
    // Most events sit inside one minute: find the segment's end without a division per sample.
    let to = watts.length;
    if (minuteOf(to - 1) !== minuteMs) {
      to = from + 1;
      while (to < watts.length && minuteOf(to) === minuteMs) to++;
    }
    segments.push(aggregate(watts, from, to, minuteMs, rate));
    from = to;
  }
  return segments;
}

function aggregate(
  watts: readonly number[],
  from: number,
  to: number,
  minuteMs: number,
  rate: number,
): PowerSegment {
  let sumMw = 0;
  let minW = Infinity;
  let maxW = -Infinity;
  for (let i = from; i < to; i++) {
    const w = watts[i]! + 0;
    sumMw += Math.round(w * 1000);
    if (w < minW) minW = w;
    if (w > maxW) maxW = w;
  }
  // mW summed over samples of 1/rate s each is mJ; one rounding per segment keeps it exact later.
  const energyUj = Math.round((sumMw * 1000) / rate) + 0;
  return { minuteMs, samples: to - from, sumMw, minW, maxW, energyUj };
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

// A batch touches few minutes but formats them once per event; keep the strings.
const minuteStrings = new Map<number, string>();

function minuteIso(ms: number): string {
  let iso = minuteStrings.get(ms);
  if (iso === undefined) {
    iso = toIso(ms);
    if (minuteStrings.size >= 10_000) minuteStrings.clear();
    minuteStrings.set(ms, iso);
  }
  return iso;
}

/** The batch's power samples, one row per machine and minute, ordered by machine and minute. */
export function projectPowerMinutes(events: readonly StreamEvent[]): PowerMinuteRow[] {
  const rows = new Map<string, PowerMinuteRow>();
  for (const { seq, event } of events) {
    if (event.type !== "power") continue;
    for (const s of powerSegments(event)) {
      const row: PowerMinuteRow = {
        machine_id: event.machineId,
        minute: minuteIso(s.minuteMs),
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
  return [...rows.values()].sort(byMachineMinute);
}
