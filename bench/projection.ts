/**
 * Measures the projection rate next to a raw bulk insert of the same rows, in one run on a fresh
 * test stack: `deno run -P=bench bench/projection.ts [events] [batchSize]`.
 *   1. batch writer only: decode, project and commit the messages, no NATS;
 *   2. end to end: the same events already in `SIGNALS` → projector (in-process) → read models;
 *   3. raw: COPY of the final rows of every read model into empty tables with the same indexes.
 * @module
 */
import postgres, { type Sql } from "postgres";
import { READ_MODEL_TABLES, REGISTRY } from "../projector/registry.ts";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { ensureStream } from "../events/mod.ts";
import { createLogger } from "../lib/mod.ts";
import { testConfig, waitForCheckpoint } from "../projector/_test_stack.ts";
import { publishEvents, workload } from "../testing/mod.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import { migrate } from "../projector/migrate.ts";
import { applyBatch, emptyViews, type MemoryViews } from "../projector/projections/views.ts";
import { commitBatch } from "../projector/store/commit_batch.ts";
import { createSchemaLike } from "../projector/store/schema.ts";
import { runProjector } from "../projector/runner.ts";

const events = Number(Deno.args[0] ?? 100_000);
const batchSize = Number(Deno.args[1] ?? 2000);

const stack = await startTestStack();
const nc = await connect({ servers: stack.natsUrl });
const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
try {
  await migrate(sql);
  await ensureStream(await jetstreamManager(nc));
  const messages = await publishEvents(nc, workload(events, { seed: 5, machines: 10 }), {
    window: 2000,
  });
  const last = messages.at(-1)!.seq;

  // 1. batch writer only (first, so the end-to-end run finds the code warm), into a fresh schema
  await createSchemaLike(sql, "bench_writer", { tables: READ_MODEL_TABLES });
  let t = performance.now();
  let upserts = 0;
  for (let i = 0; i < messages.length; i += batchSize) {
    const result = await commitBatch(sql, decodeBatch(messages.slice(i, i + batchSize)), {
      schema: "bench_writer",
    });
    for (const rows of Object.values(result.changes.rows)) upserts += rows?.length ?? 0;
  }
  const writerMs = performance.now() - t;

  // 2. end to end
  const stop = new AbortController();
  t = performance.now();
  const batchTimes: number[] = [];
  const running = runProjector(testConfig(stack, { batchSize }), stop.signal, {
    logger: createLogger("bench", "error"),
    onBatch: () => batchTimes.push(performance.now() - t),
  });
  await waitForCheckpoint(sql, last, 600_000);
  const endToEndMs = performance.now() - t;
  // Without start-up (connect, migrate, consumer): from the first commit to the last.
  const steadyMs = batchTimes.at(-1)! - batchTimes[0]!;
  stop.abort();
  await running;

  // 3. raw COPY of the final rows
  const views = emptyViews();
  applyBatch(views, decodeBatch(messages));
  await createSchemaLike(sql, "bench_raw", { tables: READ_MODEL_TABLES });
  t = performance.now();
  const rows = await copyViews(sql, views, "bench_raw");
  const rawMs = performance.now() - t;

  const rate = (ms: number) => Math.round(events / (ms / 1000));
  console.log(
    `events ${events}, batch size ${batchSize}; the writer upserted ${upserts} rows ` +
      `(${Math.round(upserts / (writerMs / 1000))} rows/s); the read models hold ${rows} rows ` +
      `(COPY: ${Math.round(rows / (rawMs / 1000))} rows/s)`,
  );
  console.table([
    {
      what: "batch writer only (decode+project+commit)",
      ms: Math.round(writerMs),
      "events/s": rate(writerMs),
    },
    {
      what: "projector end to end (NATS → all read models)",
      ms: Math.round(endToEndMs),
      "events/s": rate(endToEndMs),
    },
    {
      what: "projector end to end, first to last commit",
      ms: Math.round(steadyMs),
      "events/s": rate(steadyMs),
    },
    {
      what: "raw COPY of the final rows (same indexes)",
      ms: Math.round(rawMs),
      "events/s": rate(rawMs),
    },
  ]);
} finally {
  await nc.close();
  await sql.end();
  await stack.stop();
}

/** COPYs every read model of `views` into `schema`; returns the number of rows. */
async function copyViews(sql: Sql, views: MemoryViews, schema: string): Promise<number> {
  let total = 0;
  for (const { name: table } of REGISTRY) {
    const rows: Iterable<object> = views[table]!.values();
    const list = [...rows] as Record<string, unknown>[];
    if (list.length === 0) continue;
    const columns = Object.keys(list[0]!);
    const text = list.map((row) => columns.map((c) => copyValue(row[c])).join("\t")).join("\n") +
      "\n";
    const writable = await sql`COPY ${sql(`${schema}.${table}`)} (${sql(columns)}) FROM STDIN`
      .writable();
    await new Promise<void>((resolve, reject) => {
      writable.on("error", reject);
      writable.on("finish", resolve);
      writable.end(text);
    });
    total += list.length;
  }
  return total;
}

function copyValue(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");
}
