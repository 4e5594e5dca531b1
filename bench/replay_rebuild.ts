/**
 * Measures a full rebuild of every read model against the raw ordered-consumer read+decode rate
 * of the same stream, in the same run: `deno run -P=bench bench/replay_rebuild.ts
 * [events]` (default 250,000, the producer's default fleet: mostly power events). Also times a
 * rebuild of `power_minutes` from a recent point against its full rebuild.
 * @module
 */
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { encodeEvent, ensureStream } from "../events/mod.ts";
import { connectNats } from "../lib/mod.ts";
import { startStack } from "../dev/stack.ts";
import { freePort } from "../dev/ports.ts";
import { DEFAULT_FLEET, generateEvents } from "../producer/mod.ts";
import { orderedReadAndDecode, plainPublishLoop } from "./jetstream_baselines.ts";
import { migrate } from "../projector/migrate.ts";
import { rebuild, type RebuildSummary } from "../replay/rebuild.ts";
import { silentLogger as quiet } from "../testing/mod.ts";

const count = Number(Deno.args[0] ?? 250_000);
const dataDir = await Deno.makeTempDir({ prefix: "replay-bench-" });
await Deno.chmod(dataDir, 0o755);
const stack = await startStack({
  dataDir,
  natsUrl: "",
  databaseUrl: "",
  natsPort: freePort(),
  postgresPort: freePort(),
  removeOnStop: true,
});
const sql = postgres(stack.databaseUrl, { max: 4, onnotice: () => {} });
const nats = await connectNats(stack.natsUrl, { name: "replay-bench" });
try {
  await migrate(sql);
  await ensureStream(await jetstreamManager(nats));
  const from = Date.UTC(2026, 10, 20);
  const encoded = [];
  const types: Record<string, number> = {};
  for (const event of generateEvents(DEFAULT_FLEET, { fromMs: from })) {
    if (encoded.length >= count) break;
    types[event.type] = (types[event.type] ?? 0) + 1;
    encoded.push(encodeEvent(event));
  }
  const publishRate = await plainPublishLoop(nats, encoded, 1024);
  encoded.length = 0;
  // The machine is shared, so each figure is the median of three runs, the three ways
  // interleaved: raw read+decode, rebuild with the worker, rebuild in place.
  const raws: number[] = [];
  const workerRuns: RebuildSummary[] = [];
  const inPlaceRuns: RebuildSummary[] = [];
  const all = (workers: number) =>
    rebuild({ sql, nats, logger: quiet }, { projection: "all" }, { workers });
  for (let i = 0; i < 3; i++) {
    raws.push(await orderedReadAndDecode(nats, count));
    workerRuns.push(await all(1));
    inPlaceRuns.push(await all(0));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
  const rate = (runs: RebuildSummary[]) => median(runs.map((r) => r.eventsPerSec));
  const powerFull = await rebuild({ sql, nats, logger: quiet }, { projection: "power_minutes" });
  const recent = await rebuild({ sql, nats, logger: quiet }, {
    projection: "power_minutes",
    fromSeq: Math.floor(count * 0.95),
  });
  const row = (what: string, value: number, unit: string, spread = "") =>
    `| ${what} | ${Math.round(value).toLocaleString("en-US")} | ${unit} | ${spread} |`;
  const range = (values: number[]) =>
    values.map((v) => Math.round(v).toLocaleString("en-US")).join(", ");
  console.log(`Replay benchmark, ${count} events (${JSON.stringify(types)}), 2-core machine\n`);
  console.log("| what | median | unit | the three runs |\n| --- | --- | --- | --- |");
  console.log(row("publish (plain acked loop, window 1024)", publishRate, "events/s"));
  console.log(
    row("raw ordered consumer read + decode (baseline)", median(raws), "events/s", range(raws)),
  );
  const workerRates = workerRuns.map((r) => r.eventsPerSec);
  const inPlaceRates = inPlaceRuns.map((r) => r.eventsPerSec);
  console.log(
    row(
      "full rebuild of all 7 read models (worker, default)",
      rate(workerRuns),
      "events/s",
      range(workerRates),
    ),
  );
  console.log(
    row(
      "full rebuild of all, in place (REPLAY_WORKERS=0)",
      rate(inPlaceRuns),
      "events/s",
      range(inPlaceRates),
    ),
  );
  console.log(row("  rows written per rebuild", workerRuns[0]!.rowsWritten, "rows"));
  console.log(row("full rebuild of power_minutes", powerFull.eventsPerSec, "events/s"));
  console.log(row("  its time", powerFull.elapsedMs, "ms"));
  console.log(row("power_minutes from the last 5% of the stream", recent.elapsedMs, "ms"));
  console.log(
    row(
      "  events read from the point + scanned for boundary minutes",
      recent.eventsRead + recent.scannedEvents,
      "events",
    ),
  );
  console.log(
    `\nrebuild (worker) / raw read+decode, medians: ${
      (rate(workerRuns) / median(raws)).toFixed(2)
    }`,
  );
} finally {
  await nats.close();
  await sql.end();
  await stack.stop();
}
