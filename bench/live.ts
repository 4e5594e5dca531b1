/** Row 2: live end to end — producer → JetStream → projector → PostgreSQL, lag under load. */
import postgres, { type Sql } from "postgres";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { STREAM_NAME } from "../events/mod.ts";
import { connectNats } from "../lib/mod.ts";
import type { BenchContext } from "./context.ts";
import { orderedReadAndDecode } from "./jetstream_baselines.ts";
import { type LagFigures, measureLag } from "./lag.ts";
import { startService } from "./services.ts";
import type { BenchRow } from "./table.ts";
import { MIN_SAMPLES } from "./verdict.ts";

/** Waits until every projection has reached the stream's head; returns what that took. */
export async function waitCaughtUp(
  jsm: JetStreamManager,
  sql: Sql,
): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const { state } = await jsm.streams.info(STREAM_NAME);
  for (;;) {
    const [row] = await sql<{ seq: string | null }[]>`
      SELECT min(last_seq)::text AS seq FROM projection_checkpoints`;
    if (Number(row?.seq ?? 0) >= state.last_seq) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { events: state.last_seq, seconds: (performance.now() - started) / 1000 };
}

/** Whether a fleet kept up: lag p99 under 1 s, over enough samples for a p99 to mean something. */
function sustained(lag: LagFigures): boolean {
  return lag.samples >= MIN_SAMPLES.p99 && lag.p99Ms < 1000;
}

/** A lag percentile of one fleet, beside the same percentile of the checkpoint query's round trip. */
function lagRow(id: string, kind: "p50" | "p99", lag: LagFigures, machines: number): BenchRow {
  return {
    id,
    what: `Live lag ${kind} at ${machines} machines`,
    value: kind === "p50" ? lag.p50Ms : lag.p99Ms,
    unit: "ms",
    basis: { kind, count: lag.samples, of: "lag samples" },
    baseline: kind === "p50" ? lag.floorP50Ms : lag.floorP99Ms,
    baselineWhat: "checkpoint query round trip: the lag an instant projector would read",
    target: "—",
  };
}

/**
 * Starts the projector (kept in `context.services` for the memory row), times its catch-up over
 * the backlog, then runs the producer live at each fleet size and samples the projection lag.
 */
export async function liveRows(context: BenchContext): Promise<BenchRow[]> {
  const { stack, sizes } = context;
  const projector = await startService("projector", {
    NATS_URL: stack.natsUrl,
    DATABASE_URL: stack.databaseUrl,
  });
  context.services.set("projector", projector);
  const nc = await connectNats(stack.natsUrl, { name: "bench-lag" });
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const byFleet = new Map<number, LagFigures>();
  let catchUp = { events: 0, seconds: 0 };
  let readRate = 0;
  try {
    const jsm = await jetstreamManager(nc);
    catchUp = await waitCaughtUp(jsm, sql);
    readRate = await orderedReadAndDecode(nc, catchUp.events);
    for (const machines of sizes.fleets) {
      console.error(`bench: live, ${machines} machines for ${sizes.liveSeconds} s…`);
      const producer = await startService("producer", {
        NATS_URL: stack.natsUrl,
        MACHINES: String(machines),
        SEED: "7",
      });
      // Let the fleet and the projector reach their steady state before sampling.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      byFleet.set(machines, await measureLag(jsm, sql, { durationMs: sizes.liveSeconds * 1000 }));
      const peak = await producer.stop();
      if (machines === sizes.memoryFleet) {
        context.peaks.set(`producer at ${machines} machines`, peak);
      }
    }
  } finally {
    await sql.end();
    await nc.close();
  }
  const best = [...byFleet.entries()].filter(([, lag]) => sustained(lag))
    .sort((a, b) => b[1].eventsPerSec - a[1].eventsPerSec)[0];
  const reference = byFleet.get(sizes.fleets[0]!)!;
  const fleetNote = [...byFleet.entries()].map(([m, lag]) =>
    `${m} machines: ${Math.round(lag.eventsPerSec)} ev/s, p99 ${
      Math.round(lag.p99Ms)
    } ms over ${lag.samples} samples`
  ).join("; ");
  return [
    {
      id: "2a",
      what: `Live end to end: most events/s sustained ${sizes.liveSeconds} s with lag p99 < 1 s`,
      value: best?.[1].eventsPerSec ?? 0,
      unit: "events/s",
      basis: {
        kind: "event rate",
        count: best ? Math.round(best[1].eventsPerSec * sizes.liveSeconds) : 0,
        of: "events",
      },
      baseline: context.baselines.publishEventsPerSec,
      baselineWhat: "plain acked JetStream publish loop",
      target: "≥ 10,000 events/s",
      targetMet: (best?.[1].eventsPerSec ?? 0) >= 10_000,
      note: fleetNote,
    },
    {
      id: "2d",
      what: `Projector catch-up over ${catchUp.events.toLocaleString("en-US")} backlogged events`,
      value: catchUp.events / catchUp.seconds,
      unit: "events/s",
      basis: { kind: "event rate", count: catchUp.events, of: "events" },
      baseline: readRate,
      baselineWhat: "ordered-consumer read + decode of the same events",
      target: "—",
      note: "includes the projector's start-up",
    },
    lagRow("2b", "p50", reference, sizes.fleets[0]!),
    {
      ...lagRow("2c", "p99", reference, sizes.fleets[0]!),
      target: "< 250 ms",
      targetMet: reference.p99Ms < 250,
    },
  ];
}
