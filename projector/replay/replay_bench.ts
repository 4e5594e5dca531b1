/**
 * Measures a full rebuild of every read model against the raw ordered-consumer read+decode rate
 * of the same stream, in the same run: `deno run -P=bench projector/replay/replay_bench.ts
 * [events]` (default 250,000, the producer's default fleet: mostly power events). Also times a
 * rebuild of `power_minutes` from a recent point against its full rebuild.
 * @module
 */
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { encodeEvent, ensureStream } from "../../events/mod.ts";
import { connectNats } from "../../lib/mod.ts";
import { startStack } from "../../dev/stack.ts";
import { freePort } from "../../dev/ports.ts";
import { DEFAULT_FLEET, generateEvents } from "../../producer/mod.ts";
import { orderedReadAndDecode, plainPublishLoop } from "../../bench/jetstream_baselines.ts";
import { migrate } from "../migrate.ts";
import { rebuild } from "./rebuild.ts";
import { quiet } from "./_testing.ts";

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
  const readRate = await orderedReadAndDecode(nats, count);
  // Each way twice, alternating, so neither gets all the warm-up; the second run counts.
  const all = (workers: number) =>
    rebuild({ sql, nats, logger: quiet }, { projection: "all" }, { workers });
  const firstFull = await all(1);
  const firstInPlace = await all(0);
  const full = await all(1);
  const inPlace = await all(0);
  const readAgain = await orderedReadAndDecode(nats, count);
  const powerFull = await rebuild({ sql, nats, logger: quiet }, { projection: "power_minutes" });
  const recent = await rebuild({ sql, nats, logger: quiet }, {
    projection: "power_minutes",
    fromSeq: Math.floor(count * 0.95),
  });
  const row = (what: string, value: number, unit: string) =>
    `| ${what} | ${Math.round(value).toLocaleString("en-US")} | ${unit} |`;
  console.log(`Replay benchmark, ${count} events (${JSON.stringify(types)}), 2-core machine\n`);
  console.log("| what | measured | unit |\n| --- | --- | --- |");
  console.log(row("publish (plain acked loop, window 1024)", publishRate, "events/s"));
  console.log(row("raw ordered consumer read + decode (baseline)", readRate, "events/s"));
  console.log(
    row(
      "full rebuild of all 7 read models (worker), first run",
      firstFull.eventsPerSec,
      "events/s",
    ),
  );
  console.log(
    row("full rebuild of all (in place), first run", firstInPlace.eventsPerSec, "events/s"),
  );
  console.log(row("full rebuild of all 7 read models (worker)", full.eventsPerSec, "events/s"));
  console.log(row("  its time", full.elapsedMs, "ms"));
  console.log(row("  rows written", full.rowsWritten, "rows"));
  console.log(
    row(
      "full rebuild of all (in place: decoding and projecting on the main thread)",
      inPlace.eventsPerSec,
      "events/s",
    ),
  );
  console.log(row("raw ordered consumer read + decode, again after", readAgain, "events/s"));
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
  const raw = Math.max(readRate, readAgain);
  const best = Math.max(full.eventsPerSec, inPlace.eventsPerSec);
  console.log(`\nbest full rebuild / best raw read+decode: ${(best / raw).toFixed(2)}`);
} finally {
  await nats.close();
  await sql.end();
  await stack.stop();
}
