/**
 * `deno task bench [--quick]`: measures the pipeline against raw JetStream and PostgreSQL
 * baselines taken in the same run, on a stack of its own started through `dev/`. Prints a markdown
 * table and writes the same figures to `bench/results/latest.json`.
 * @module
 */
import postgres from "postgres";
import { type Stack, startTestStack } from "../dev/stack.ts";
import { migrate } from "../projector/migrate.ts";
import { benchPublish } from "./publish.ts";
import { benchLive, waitCaughtUp } from "./live.ts";
import { benchReplay } from "./replay.ts";
import { benchApi } from "./api.ts";
import { jetstreamManager } from "@nats-io/jetstream";
import { STREAM_NAME } from "../events/mod.ts";
import { connectNats, createLogger } from "../lib/mod.ts";
import { runProducer } from "../producer/mod.ts";
import { startService } from "./services.ts";
import { type BenchRow, markdownTable } from "./table.ts";
import { machineInfo } from "./machine_info.ts";

const quick = Deno.args.includes("--quick");
const sizes = quick
  ? {
    publishEvents: 100_000,
    logEvents: 300_000,
    liveSeconds: 10,
    fleets: [100, 1000],
    wrkSeconds: 3,
  }
  : {
    publishEvents: 300_000,
    logEvents: 1_000_000,
    liveSeconds: 30,
    fleets: [100, 500, 1000, 1500],
    wrkSeconds: 10,
  };

/** Backfills until the log holds `events` events, and waits for the projector to catch up. */
async function topUp(stack: Stack, events: number): Promise<void> {
  const nc = await connectNats(stack.natsUrl, { name: "bench-top-up" });
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(STREAM_NAME);
    const missing = events - state.messages;
    if (missing > 0) {
      console.error(`bench: backfilling ${missing} events…`);
      const fromMs = Date.UTC(2026, 10, 1);
      await runProducer(stack.natsUrl, { machines: 10, seed: 11, fromMs, count: missing }, {
        logger: createLogger("producer", "error"),
      });
    }
    await waitCaughtUp(jsm, sql);
  } finally {
    await sql.end();
    await nc.close();
  }
}

function memoryRow(id: string, what: string, bytes: number): BenchRow {
  const mb = bytes / 1024 / 1024;
  return {
    id,
    what: `Peak RSS: ${what}`,
    value: mb,
    unit: "MB",
    target: "< 200 MB",
    met: mb < 200,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: BenchRow[] = [];
  const stack = await startTestStack();
  try {
    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    await migrate(sql);
    await sql.end();
    console.error("bench: publish…");
    rows.push(...await benchPublish(stack.natsUrl, sizes.publishEvents));
    const projector = await startService("projector", {
      NATS_URL: stack.natsUrl,
      DATABASE_URL: stack.databaseUrl,
    });
    const live = await benchLive(stack, {
      fleets: sizes.fleets,
      seconds: sizes.liveSeconds,
      projector,
    });
    rows.push(...live.rows);
    await topUp(stack, sizes.logEvents);
    rows.push(...await benchReplay(stack));
    const api = await benchApi(stack, sizes.wrkSeconds);
    rows.push(...api.rows);
    const projectorRss = await projector.stop();
    rows.push(
      memoryRow("5a", "producer at 1,000 machines", live.producerPeakRss.get(1000) ?? 0),
      memoryRow("5b", "projector", projectorRss),
      memoryRow("5c", "API", api.apiPeakRss),
    );
  } finally {
    await stack.stop();
  }
  const table = markdownTable(rows);
  console.log(table);
  const results = {
    at: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    seconds: Math.round((performance.now() - started) / 1000),
    machine: await machineInfo(),
    rows,
  };
  const path = new URL("./results/latest.json", import.meta.url);
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(results, null, 2) + "\n");
  console.error(`bench: done in ${results.seconds} s; figures in bench/results/latest.json`);
}

if (import.meta.main) await main();
