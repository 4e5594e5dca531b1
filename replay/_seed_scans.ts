/**
 * The stream scans a rebuild from a point needs for the rows that events on both sides of the
 * point fed: the open failure episodes' peaks, and the boundary power minutes' earlier samples.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Sql } from "postgres";
import { decodeBatch } from "../projector/decode_batch.ts";
import type { StreamEvent } from "../projector/types.ts";
import { projectFailures } from "../projector/projections/failures.ts";
import {
  mergePowerMinute,
  powerMinuteKey,
  type PowerMinuteRow,
  projectPowerMinutes,
} from "../projector/projections/power_minutes.ts";
import { writePowerMinutes } from "../projector/store/write_aggregates.ts";
import type { SeedNeeds } from "./_point.ts";
import { StreamReader } from "./stream_reader.ts";

/**
 * How far before the earliest boundary minute, in event time, the backward scan for earlier
 * samples goes before it may stop: power events stored this much out of order are still found.
 */
export const POWER_LOOKBACK_MS = 30_000;

/** A partial rebuild cannot be done correctly; the projection is rebuilt in full instead. */
export class PartialNotPossible extends Error {
  override name = "PartialNotPossible";
}

interface ScanOptions {
  signingKey?: string;
  signal?: AbortSignal;
}

async function scan(
  nc: NatsConnection,
  range: { from: number; through: number },
  options: ScanOptions,
  onEvents: (events: StreamEvent[]) => void,
): Promise<number> {
  if (range.through < range.from) return 0;
  const reader = await StreamReader.open(nc, { startSeq: range.from });
  let read = 0;
  try {
    while (reader.lastSeq < range.through) {
      options.signal?.throwIfAborted();
      const messages = await reader.readThrough(Math.min(range.through, reader.lastSeq + 8192));
      read += messages.length;
      onEvents(decodeBatch(messages, { signingKey: options.signingKey }).events);
    }
  } finally {
    await reader.close();
  }
  return read;
}

/** Recomputes the peak of each episode open at the point from its events before the point. */
export async function seedFailurePeaks(
  deps: { sql: Sql; nats: NatsConnection },
  shadow: string,
  spanning: SeedNeeds["spanning"],
  options: ScanOptions & { point: number },
): Promise<number> {
  if (spanning.length === 0) return 0;
  const byMachine = new Map(spanning.map((e) => [e.machine_id, e]));
  const events = new Map<string, StreamEvent[]>();
  const from = Math.min(...spanning.map((e) => e.start_seq));
  const read = await scan(deps.nats, { from, through: options.point - 1 }, options, (batch) => {
    for (const e of batch) {
      const episode = byMachine.get(e.event.machineId);
      if (e.event.type !== "sensor" || !episode || e.seq < episode.start_seq) continue;
      const list = events.get(episode.machine_id) ?? [];
      list.push(e);
      events.set(episode.machine_id, list);
    }
  });
  for (const episode of spanning) {
    const rows = projectFailures(events.get(episode.machine_id) ?? [], []);
    const row = rows.find((r) => r.start_seq === episode.start_seq);
    if (!row || row.ended_at !== null || row.type !== episode.type) {
      throw new PartialNotPossible(
        `failure episode ${episode.start_seq} of ${episode.machine_id} does not replay as open at the point`,
      );
    }
    await deps.sql`UPDATE ${deps.sql(`${shadow}.failures`)} SET peak_progress = ${row.peak_progress}
      WHERE start_seq = ${episode.start_seq}`;
  }
  return read;
}

/**
 * Adds to the shadow the samples that events before the point put into the boundary minutes
 * (rows fed from both sides of it). Which earlier events fed them is found by scanning back from
 * the point in chunks growing by half, until a whole chunk holds only samples older than the earliest
 * boundary minute minus {@linkcode POWER_LOOKBACK_MS} and the samples and events seen add up to
 * what the live rows count up to their checkpoint; at the start of the stream, all was seen.
 */
export async function seedBoundaryMinutes(
  deps: { sql: Sql; nats: NatsConnection },
  shadow: string,
  needs: SeedNeeds,
  options: ScanOptions & { point: number; firstSeq: number },
): Promise<number> {
  if (needs.mixed.length === 0) return 0;
  const live = new Map(needs.mixed.map((r) => [powerMinuteKey(r), r]));
  const machines = new Set(needs.mixed.map((r) => r.machine_id));
  const horizon = Math.min(...needs.mixed.map((r) => Date.parse(r.minute))) - POWER_LOOKBACK_MS;
  const before = new Map<string, PowerMinuteRow>();
  const counted = new Map<string, PowerMinuteRow>();
  const add = (into: Map<string, PowerMinuteRow>, rows: PowerMinuteRow[]) => {
    for (const row of rows) {
      const key = powerMinuteKey(row);
      if (!live.has(key)) continue;
      const seen = into.get(key);
      into.set(key, seen ? mergePowerMinute(seen, row) : row);
    }
  };
  const relevant = (batch: StreamEvent[]) =>
    batch.filter((e) => e.event.type === "power" && machines.has(e.event.machineId));
  const complete = () =>
    [...live].every(([key, row]) => {
      const seen = counted.get(key);
      return seen?.samples === row.samples && seen.events === row.events;
    });
  // What events from the point up to the live checkpoint put into those minutes.
  const through = needs.liveSeq.get("power_minutes") ?? 0;
  let read = await scan(deps.nats, { from: options.point, through }, options, (batch) => {
    add(counted, projectPowerMinutes(relevant(batch)));
  });
  let end = options.point - 1;
  for (let size = 2048; end >= options.firstSeq; size = Math.ceil(size * 1.5)) {
    const start = Math.max(options.firstSeq, end - size + 1);
    let recent = false;
    read += await scan(deps.nats, { from: start, through: end }, options, (batch) => {
      const rows = projectPowerMinutes(relevant(batch));
      add(before, rows);
      add(counted, rows);
      if (rows.some((row) => Date.parse(row.minute) >= horizon)) recent = true;
    });
    end = start - 1;
    if (!recent && complete()) break;
  }
  // The loop ends complete, or at the start of the stream, where `before` is exact anyway.
  await deps.sql.begin((tx) => writePowerMinutes(tx, [...before.values()], shadow));
  return read;
}
