/**
 * Adding a read model takes three touches: a definition, a migration, a line in the registry.
 * This test makes all three itself (the definition below, its table created here, the registry
 * extended by value) and shows that the live batch writer and a rebuild both fill the new table,
 * with no other code knowing about it.
 */
import { deepEqual, equal } from "node:assert/strict";
import {
  type AnyProjection,
  applyBatch,
  col,
  commitBatch,
  decodeBatch,
  defineProjection,
  emptyViews,
  readViews,
  REGISTRY,
  type StreamEvent,
  tableIn,
} from "../projector/mod.ts";
import { rebuild } from "./rebuild.ts";
import { publish, TEST_KEY } from "./_testing.ts";
import { fleetEvents, readStream, silentLogger, startTestEnv, T0 } from "../testing/mod.ts";

/** A row of the extra read model: how many events each machine sent. */
interface EventCountRow {
  machine_id: string;
  events: number;
  last_seq: number;
}

/** The "one definition file" of the extra read model. */
const eventCounts = defineProjection({
  name: "machine_event_counts",
  canHandle: ["state_change", "error", "power", "sensor", "xray"],
  key: (row: EventCountRow) => row.machine_id,
  project(events: readonly StreamEvent[]) {
    const rows = new Map<string, EventCountRow>();
    for (const { seq, event } of events) {
      const row = rows.get(event.machineId) ??
        { machine_id: event.machineId, events: 0, last_seq: 0 };
      row.events++;
      row.last_seq = Math.max(row.last_seq, seq);
      rows.set(event.machineId, row);
    }
    return [...rows.values()].sort((a, b) => (a.machine_id < b.machine_id ? -1 : 1));
  },
  law: {
    kind: "merge",
    merge: (a, b) => ({
      machine_id: a.machine_id,
      events: a.events + b.events,
      last_seq: Math.max(a.last_seq, b.last_seq),
    }),
  },
  async write(tx, rows, schema) {
    await tx`INSERT INTO ${tableIn(tx, schema, "machine_event_counts")} AS c
      SELECT * FROM unnest(${col(rows, "machine_id")}::text[], ${col(rows, "events")}::bigint[],
        ${col(rows, "last_seq")}::bigint[])
      ON CONFLICT (machine_id) DO UPDATE SET events = c.events + EXCLUDED.events,
        last_seq = GREATEST(c.last_seq, EXCLUDED.last_seq)`;
  },
  async read(sql, schema) {
    const rows = await sql<Record<string, unknown>[]>`
      SELECT * FROM ${tableIn(sql, schema, "machine_event_counts")}`;
    return rows.map((r) => ({
      machine_id: String(r.machine_id),
      events: Number(r.events),
      last_seq: Number(r.last_seq),
    }));
  },
  seed: { fullReason: "a count folds every event of a machine" },
});

/** The "one migration". */
const MIGRATION = `CREATE TABLE machine_event_counts (
  machine_id text PRIMARY KEY, events bigint NOT NULL, last_seq bigint NOT NULL)`;

/** The "one line in the registry". */
const registry: readonly AnyProjection[] = [...REGISTRY, eventCounts];

Deno.test("a read model added by definition is filled live and by a rebuild", async (t) => {
  const env = await startTestEnv();
  try {
    await env.sql.unsafe(MIGRATION);
    await publish(env.nats, fleetEvents(60, { fromMs: T0 }), { poisonEvery: 300 });
    const messages = await readStream(env.nats);
    const decoded = decodeBatch(messages, { signingKey: TEST_KEY });
    const expected = emptyViews(registry);
    applyBatch(expected, decoded, { projections: registry });
    const counts = (views: Record<string, unknown>) => views.machine_event_counts;

    await t.step("the live batch writer fills it, beside the registered models", async () => {
      for (let i = 0; i < messages.length; i += 250) {
        const batch = decodeBatch(messages.slice(i, i + 250), { signingKey: TEST_KEY });
        await commitBatch(env.sql, batch, { projections: registry });
      }
      const live = await readViews(env.sql, "public", { projections: registry });
      const total = [...expected.machine_event_counts!.values()]
        .reduce((n: number, row) => n + (row as EventCountRow).events, 0);
      equal(total, decoded.events.length);
      deepEqual(counts(live), counts(expected));
      deepEqual(live.machines, expected.machines);
      const [checkpoint] = await env.sql<{ last_seq: string }[]>`
        SELECT last_seq FROM projection_checkpoints WHERE projection = 'machine_event_counts'`;
      equal(Number(checkpoint?.last_seq), decoded.lastSeq);
    });

    await t.step("a rebuild of it alone refills it from the log", async () => {
      await env.sql`UPDATE machine_event_counts SET events = events * 2`;
      const summary = await rebuild(
        { sql: env.sql, nats: env.nats, signingKey: TEST_KEY, logger: silentLogger },
        { projection: "machine_event_counts", fromSeq: 50 },
        { registry, batchSize: 100 },
      );
      deepEqual(summary.plans.map((p) => [p.projection, p.mode, p.reason]), [
        ["machine_event_counts", "full", "a count folds every event of a machine"],
      ]);
      const rebuilt = await readViews(env.sql, "public", { projections: registry });
      deepEqual(counts(rebuilt), counts(expected));
    });

    await t.step("a rebuild of all includes it, and every view equals one clean pass", async () => {
      await env.sql`DELETE FROM machine_event_counts`;
      await env.sql`DELETE FROM errors`;
      await rebuild(
        { sql: env.sql, nats: env.nats, signingKey: TEST_KEY, logger: silentLogger },
        { projection: "all" },
        { registry, batchSize: 100 },
      );
      deepEqual(await readViews(env.sql, "public", { projections: registry }), expected);
    });
  } finally {
    await env.close();
  }
});
