import { deepEqual, equal } from "node:assert/strict";
import { READ_MODEL_TABLES } from "../registry.ts";
import fc from "fast-check";
import postgres from "postgres";
import { startTestStack } from "../../dev/stack.ts";
import { migrate } from "../migrate.ts";
import { anyDeliveries, anyStream, asMessages, event } from "../_test_events.ts";
import { decodeBatch } from "../decode_batch.ts";
import { applyBatch, emptyViews } from "../projections/views.ts";
import { commitBatch } from "./commit_batch.ts";
import { readViews } from "./read_views.ts";
import { createSchemaLike, dropSchema } from "./schema.ts";

Deno.test("batch writer in PostgreSQL", async (t) => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 4, onnotice: () => {} });
  try {
    await migrate(sql);

    await t.step(
      "any split with redelivery equals one clean pass and the in-memory views",
      async () => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(
            anyStream.chain((m) => fc.tuple(fc.constant(m), anyDeliveries(m.length))),
            async ([messages, deliveries]) => {
              const schema = `prop_${run++}`;
              await createSchemaLike(sql, schema, { tables: READ_MODEL_TABLES });
              try {
                // given the views of one clean pass, in memory
                const expected = emptyViews();
                applyBatch(expected, decodeBatch(messages));
                // when the stream is written in ranges, some delivered again
                for (const [start, end] of deliveries) {
                  await commitBatch(sql, decodeBatch(messages.slice(start, end)), { schema });
                }
                // then the tables hold exactly those views
                deepEqual(await readViews(sql, schema), expected);
              } finally {
                await dropSchema(sql, schema);
              }
            },
          ),
          { numRuns: 25, endOnFailure: true },
        );
      },
    );

    await t.step(
      "text with quotes, braces, commas and NULL survives the array parameters",
      async () => {
        const message = `"{a,b}" \\ NULL ' ${"é"}\n`;
        const messages = asMessages([
          event("error", "m-1", "2026-11-23T10:00:00.000Z", {
            code: "NULL",
            severity: "info",
            message,
          }),
        ]);
        await commitBatch(sql, decodeBatch(messages));
        const views = await readViews(sql);
        equal(views.errors.get(1)?.message, message);
        equal(views.errors.get(1)?.code, "NULL");
      },
    );

    await t.step(
      "an event re-sent at a new sequence is applied once: its failure episode is not restarted",
      async () => {
        const failing = event("sensor", "m-7", "2026-11-23T10:00:00.000Z", {
          readings: { t: 1 },
          failure: { type: "bearing", progress: 0.5 },
        });
        const healthy = event("sensor", "m-7", "2026-11-23T10:00:01.000Z", {
          readings: { t: 1 },
          failure: null,
        });
        const messages = asMessages([failing, healthy, failing], { firstSeq: 100 });
        const expected = emptyViews();
        applyBatch(expected, decodeBatch(messages));
        await createSchemaLike(sql, "resent", { tables: READ_MODEL_TABLES });
        for (const m of messages) await commitBatch(sql, decodeBatch([m]), { schema: "resent" });
        const views = await readViews(sql, "resent");
        deepEqual(views, expected);
        // The copy at 102 is the event of 100 again, not a new failure.
        equal(views.failures.size, 1);
        equal(views.event_ids.get(failing.id)?.seq, 100);
      },
    );

    await t.step("a dead letter with U+0000 in its headers is still recorded", async () => {
      const poison = {
        seq: 500,
        subject: "signals.power.m-1",
        data: new TextEncoder().encode("{bad\u0000"),
        headers: { "X-Odd": "a\u0000b" },
      };
      await commitBatch(sql, decodeBatch([poison]));
      const dead = (await readViews(sql)).dead_letters.get(500);
      deepEqual(dead?.headers, { "X-Odd": "a\uFFFDb" });
      deepEqual(dead?.raw, poison.data);
    });

    await t.step("a second commit of the same batch changes nothing", async () => {
      const before = await readViews(sql);
      const messages = asMessages([
        event("error", "m-1", "2026-11-23T10:00:00.000Z", {
          code: "X",
          severity: "info",
          message: "",
        }),
      ]);
      const result = await commitBatch(sql, decodeBatch(messages));
      equal(result.projected, 0);
      deepEqual(await readViews(sql), before);
    });
  } finally {
    await sql.end();
    await stack.stop();
  }
});
