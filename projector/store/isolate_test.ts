import { deepEqual, equal } from "node:assert/strict";
import { READ_MODEL_TABLES, REGISTRY } from "../registry.ts";
import postgres from "postgres";
import { startTestStack } from "../../dev/stack.ts";
import { migrate } from "../migrate.ts";
import { asMessages, event } from "../_test_events.ts";
import { decodeBatch } from "../decode_batch.ts";
import { commitBatchIsolating, isDataError } from "./isolate.ts";
import { readViews } from "./read_views.ts";
import { createSchemaLike } from "./schema.ts";

Deno.test("an event the database refuses becomes a dead letter and the rest is projected", async () => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    await migrate(sql);
    // given a schema whose errors table refuses code BOOM (standing in for any data the
    // database rejects), and a batch with such an event among others
    await createSchemaLike(sql, "strict", { tables: READ_MODEL_TABLES });
    await sql.unsafe(`ALTER TABLE strict.errors ADD CONSTRAINT no_boom CHECK (code <> 'BOOM')`);
    const error = (code: string, at: string) =>
      event("error", "m-1", `2026-11-23T10:00:0${at}.000Z`, {
        code,
        severity: "info",
        message: "",
      });
    const messages = asMessages([
      error("A", "1"),
      error("B", "2"),
      new TextEncoder().encode("{bad"),
      error("BOOM", "3"),
      error("C", "4"),
      error("D", "5"),
    ]);
    // when committed
    const result = await commitBatchIsolating(sql, decodeBatch(messages), { schema: "strict" });
    // then the refused event is a dead letter with the database's reason and original bytes
    const views = await readViews(sql, "strict");
    deepEqual([...views.errors.values()].map((r) => r.code).sort(), ["A", "B", "C", "D"]);
    const dead = views.dead_letters.get(4);
    equal(dead?.reason.startsWith("rejected_by_database:"), true);
    equal(dead?.reason.includes("no_boom"), true);
    deepEqual(dead?.raw, messages[3]!.data);
    equal(views.dead_letters.has(3), true);
    equal(result.projected, 4);
    equal(result.deadLetters, 2);
    deepEqual(
      [...views.checkpoints.values()].map((c) => c.last_seq),
      Array(REGISTRY.length).fill(6),
    );
    equal(views.machines.get("m-1")?.errors_info, 4);
  } finally {
    await sql.end();
    await stack.stop();
  }
});

Deno.test("only data errors count as the data's fault", () => {
  equal(isDataError({ code: "23505" }), true);
  equal(isDataError({ code: "22007" }), true);
  equal(isDataError({ code: "57P01" }), false);
  equal(isDataError({ code: "CONNECTION_CLOSED" }), false);
  equal(isDataError(new Error("x")), false);
});
