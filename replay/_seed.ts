/**
 * Seeding a shadow: from the live snapshot (`_point.ts`), then each definition's stream scan for
 * boundary rows. A partial seed that cannot be done correctly becomes a full rebuild.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Sql } from "postgres";
import {
  type AnyProjection,
  decodeBatch,
  PartialNotPossible,
  type StreamEvent,
  tableIn,
} from "../projector/mod.ts";
import { seedFromLive } from "./_point.ts";
import { StreamReader } from "./stream_reader.ts";

/** What seeding reads and writes with. */
export interface SeedDeps {
  sql: Sql;
  nats: NatsConnection;
  signingKey?: string;
}

/** Seeds the shadow from the live snapshot and the stream; a partial seed that fails goes full. */
export async function seedShadow(
  deps: SeedDeps,
  shadow: string,
  options: {
    projections: readonly AnyProjection[];
    fromSeq?: number;
    firstSeq: number;
    signal?: AbortSignal;
  },
) {
  const seeded = await seedFromLive(deps.sql, shadow, options);
  let scannedEvents = 0;
  for (const plan of seeded.plans) {
    const definition = options.projections.find((d) => d.name === plan.projection)!;
    if (plan.mode !== "partial" || !definition.seed.complete) continue;
    try {
      scannedEvents += await definition.seed.complete({
        sql: deps.sql,
        shadow,
        point: plan.fromSeq,
        firstSeq: options.firstSeq,
        liveSeq: seeded.liveSeq.get(plan.projection) ?? 0,
        scan: (range, onEvents) => scan(deps, range, options.signal, onEvents),
      }, seeded.boundaries.get(plan.projection));
    } catch (error) {
      if (!(error instanceof PartialNotPossible)) throw error;
      await deps.sql`TRUNCATE ${tableIn(deps.sql, shadow, plan.projection)}`;
      await deps.sql`UPDATE ${tableIn(deps.sql, shadow, "projection_checkpoints")}
        SET last_seq = 0 WHERE projection = ${plan.projection}`;
      Object.assign(plan, { fromSeq: 1, mode: "full", reason: error.message });
    }
  }
  return { ...seeded, scannedEvents };
}

/** Reads and decodes `from`…`through` in chunks; returns the messages read. */
async function scan(
  deps: SeedDeps,
  range: { from: number; through: number },
  signal: AbortSignal | undefined,
  onEvents: (events: StreamEvent[]) => void,
): Promise<number> {
  if (range.through < range.from) return 0;
  const reader = await StreamReader.open(deps.nats, { startSeq: range.from });
  let read = 0;
  try {
    while (reader.lastSeq < range.through) {
      signal?.throwIfAborted();
      const messages = await reader.readThrough(Math.min(range.through, reader.lastSeq + 8192));
      read += messages.length;
      onEvents(decodeBatch(messages, { signingKey: deps.signingKey }).events);
    }
  } finally {
    await reader.close();
  }
  return read;
}
