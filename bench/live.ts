/** Row 2: live end to end — producer → JetStream → projector → PostgreSQL, lag under load. */
import postgres, { type Sql } from "postgres";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { STREAM_NAME } from "../events/mod.ts";
import { connectNats } from "../lib/mod.ts";
import type { Stack } from "../dev/stack.ts";
import { type LagFigures, measureLag } from "./lag.ts";
import { type BenchService, startService } from "./services.ts";
import type { BenchRow } from "./table.ts";

/** Options of {@linkcode benchLive}. */
export interface LiveOptions {
  /** Fleet sizes to run, smallest first; the first is the reference fleet for lag. */
  fleets: number[];
  /** Seconds each fleet is measured for. */
  seconds: number;
  /** The projector process, already running against the stack. */
  projector: BenchService;
}

/** What the live row measured, and the producer's peak RSS by fleet size. */
export interface LiveResult {
  rows: BenchRow[];
  producerPeakRss: Map<number, number>;
}

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

/** Runs the producer live at each fleet size and samples the projection lag. */
export async function benchLive(stack: Stack, options: LiveOptions): Promise<LiveResult> {
  const nc = await connectNats(stack.natsUrl, { name: "bench-lag" });
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const byFleet = new Map<number, LagFigures>();
  const producerPeakRss = new Map<number, number>();
  let catchUp = { events: 0, seconds: 0 };
  try {
    const jsm = await jetstreamManager(nc);
    catchUp = await waitCaughtUp(jsm, sql);
    for (const machines of options.fleets) {
      console.error(`bench: live, ${machines} machines for ${options.seconds} s…`);
      const producer = await startService("producer", {
        NATS_URL: stack.natsUrl,
        MACHINES: String(machines),
        SEED: "7",
      });
      // Let the fleet and the projector reach their steady state before sampling.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      byFleet.set(machines, await measureLag(jsm, sql, { durationMs: options.seconds * 1000 }));
      producerPeakRss.set(machines, await producer.stop());
    }
  } finally {
    await sql.end();
    await nc.close();
  }
  const sustained = [...byFleet.entries()].filter(([, lag]) => lag.p99Ms < 1000);
  const best = sustained.sort((a, b) => b[1].eventsPerSec - a[1].eventsPerSec)[0];
  const reference = byFleet.get(options.fleets[0]!)!;
  const fleetNote = [...byFleet.entries()].map(([m, lag]) =>
    `${m} machines: ${Math.round(lag.eventsPerSec)} ev/s, p99 ${Math.round(lag.p99Ms)} ms`
  ).join("; ");
  return {
    producerPeakRss,
    rows: [
      {
        id: "2a",
        what: `Live end to end: most events/s sustained ${options.seconds} s with lag p99 < 1 s`,
        value: best?.[1].eventsPerSec ?? 0,
        unit: "events/s",
        target: "≥ 10,000 events/s",
        met: (best?.[1].eventsPerSec ?? 0) >= 10_000,
        note: fleetNote,
      },
      {
        id: "2d",
        what: `Projector catch-up over ${catchUp.events.toLocaleString("en-US")} backlogged events`,
        value: catchUp.events / catchUp.seconds,
        unit: "events/s",
        target: "—",
        note: "includes the projector's start-up",
      },
      {
        id: "2b",
        what: `Live lag p50 at ${options.fleets[0]} machines`,
        value: reference.p50Ms,
        unit: "ms",
        target: "—",
      },
      {
        id: "2c",
        what: `Live lag p99 at ${options.fleets[0]} machines`,
        value: reference.p99Ms,
        unit: "ms",
        target: "< 250 ms",
        met: reference.p99Ms < 250,
      },
    ],
  };
}
