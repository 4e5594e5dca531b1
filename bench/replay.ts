/** Row 3: a full rebuild of every read model, beside a raw read of the stream and a raw insert. */
import postgres, { type Sql } from "postgres";
import { READ_MODEL_TABLES } from "../projector/registry.ts";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { STREAM_NAME } from "../events/mod.ts";
import { connectNats } from "../lib/mod.ts";
import type { Stack } from "../dev/stack.ts";
import {
  createSchemaLike,
  decodeBatch,
  dropSchema,
  type FailureRow,
  projectBatch,
  type RawMessage,
  toRawMessage,
  writeChanges,
} from "../projector/mod.ts";
import { rebuild } from "../replay/mod.ts";
import { orderedReadAndDecode } from "./jetstream_baselines.ts";
import type { BenchRow } from "./table.ts";

const CHUNK = 8192;
const SCRATCH_SCHEMA = "bench_insert";

/** Reads the stream's first `count` messages in chunks, in order. */
async function* readChunks(nc: NatsConnection, count: number): AsyncGenerator<RawMessage[]> {
  const consumer = await jetstream(nc).consumers.get(STREAM_NAME);
  const messages = await consumer.consume({ max_messages: CHUNK });
  let chunk: RawMessage[] = [];
  let read = 0;
  for await (const message of messages) {
    chunk.push(toRawMessage(message));
    if (++read >= count || chunk.length >= CHUNK) {
      yield chunk;
      chunk = [];
    }
    if (read >= count) break;
  }
  await messages.close();
}

/**
 * Baseline (b): the rows the projections make of the same events, bulk-inserted into empty copies
 * of the tables. Only the inserts are timed: no reading, decoding, projecting or checkpoint logic.
 */
async function rawInsertRate(sql: Sql, nc: NatsConnection, count: number): Promise<number> {
  await dropSchema(sql, SCRATCH_SCHEMA);
  await createSchemaLike(sql, SCRATCH_SCHEMA, { tables: READ_MODEL_TABLES });
  let ongoing: FailureRow[] = [];
  let insertMs = 0;
  try {
    for await (const chunk of readChunks(nc, count)) {
      const changes = projectBatch(decodeBatch(chunk), {
        checkpoints: new Map(),
        carried: new Map([["failures", ongoing]]),
      });
      changes.checkpoints = [];
      const failures = changes.rows.failures ?? [];
      const ended = new Set(failures.map((f) => f.machine_id));
      ongoing = [
        ...ongoing.filter((f) => !ended.has(f.machine_id)),
        ...failures.filter((f) => f.ended_at === null),
      ];
      const started = performance.now();
      await sql.begin((tx) => writeChanges(tx, changes, { schema: SCRATCH_SCHEMA }));
      insertMs += performance.now() - started;
    }
  } finally {
    await dropSchema(sql, SCRATCH_SCHEMA);
  }
  return count / (insertMs / 1000);
}

/** Rebuilds all read models from the whole stream, then measures the baselines over it. */
export async function benchReplay(stack: Stack): Promise<BenchRow[]> {
  const sql = postgres(stack.databaseUrl, { max: 4, onnotice: () => {} });
  const nc = await connectNats(stack.natsUrl, { name: "bench-replay" });
  try {
    console.error("bench: replay, full rebuild of all read models…");
    const summary = await rebuild({ sql, nats: nc }, { projection: "all" });
    console.error("bench: replay baselines…");
    const readRate = await orderedReadAndDecode(nc, summary.eventsRead);
    const insertRate = await rawInsertRate(sql, nc, summary.eventsRead);
    const n = summary.eventsRead.toLocaleString("en-US");
    return [
      {
        id: "3a",
        what: `Replay: full rebuild of all read models over ${n} events`,
        value: summary.eventsPerSec,
        unit: "events/s",
        basis: { kind: "event rate", count: summary.eventsRead, of: "events" },
        baseline: readRate,
        baselineWhat: "ordered-consumer read + decode",
        target: "≥ 50,000 events/s and ≥ 0.5× baseline",
        targetMet: summary.eventsPerSec >= 50_000 && summary.eventsPerSec >= 0.5 * readRate,
        note: `${summary.rowsWritten.toLocaleString("en-US")} rows written`,
      },
      {
        id: "3b",
        what: `Replay against a raw bulk insert of the same rows (${n} events)`,
        value: summary.eventsPerSec,
        unit: "events/s",
        basis: { kind: "event rate", count: summary.eventsRead, of: "events" },
        baseline: insertRate,
        baselineWhat: "bulk insert of the projected rows only",
        target: "—",
      },
    ];
  } finally {
    await nc.close();
    await sql.end();
  }
}
