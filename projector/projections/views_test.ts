import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { anyDeliveries, anyStream, asMessages, event } from "../_test_events.ts";
import { decodeBatch } from "../decode_batch.ts";
import { applyBatch, emptyViews } from "./views.ts";
import { PROJECTIONS } from "../registry.ts";

Deno.test("any split into batches with redelivery yields the views of one clean pass", () => {
  fc.assert(
    fc.property(
      anyStream.chain((messages) =>
        fc.tuple(fc.constant(messages), anyDeliveries(messages.length))
      ),
      ([messages, deliveries]) => {
        // given one clean pass over the whole stream
        const clean = emptyViews();
        applyBatch(clean, decodeBatch(messages));
        // when the same stream is delivered in ranges, some of them again
        const views = emptyViews();
        for (const [start, end] of deliveries) {
          applyBatch(views, decodeBatch(messages.slice(start, end)));
        }
        // then every read model is identical
        deepEqual(views, clean);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a batch at or below every checkpoint changes nothing", () => {
  const messages = asMessages([
    event("power", "m-1", "2026-11-23T10:00:00.000Z", { sampleRateHz: 1, watts: [5] }),
    event("state_change", "m-1", "2026-11-23T10:00:01.000Z", { from: null, to: "idle" }),
  ]);
  const views = emptyViews();
  applyBatch(views, decodeBatch(messages));
  const before = structuredClone(views);
  const changes = applyBatch(views, decodeBatch(messages));
  deepEqual(views, before);
  deepEqual(changes.checkpoints, []);
});

Deno.test("an empty batch changes nothing", () => {
  const views = emptyViews();
  const changes = applyBatch(views, decodeBatch([]));
  deepEqual(views, emptyViews());
  deepEqual(changes.rows, {});
});

Deno.test("dead letters move every checkpoint and valid neighbours are projected", () => {
  const messages = asMessages([
    new TextEncoder().encode("{oops"),
    event("error", "m-1", "2026-11-23T10:00:01.000Z", { code: "E", severity: "info", message: "" }),
  ]);
  const views = emptyViews();
  applyBatch(views, decodeBatch(messages));
  equal(views.dead_letters.get(1)?.reason.startsWith("bad_json:"), true);
  equal(views.errors.size, 1);
  deepEqual(
    [...views.checkpoints.values()].map((c) => c.last_seq),
    PROJECTIONS.map(() => 2),
  );
});
