import { deepEqual } from "node:assert/strict";
import fc from "fast-check";
import { anyStream, asMessages, event } from "../projector/_test_events.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import { applyBatch, applyChanges, emptyViews } from "../projector/projections/views.ts";
import { PROJECTIONS } from "../projector/registry.ts";
import { BatchProjector } from "./batch_projector.ts";

const cuts = (length: number) =>
  fc.uniqueArray(fc.nat({ max: Math.max(0, length) }), { maxLength: 8 }).map((c) =>
    c.sort((a, b) => a - b)
  );

Deno.test("the batch projector, in a worker or in place, equals one clean pass", async (t) => {
  for (const inWorker of [true, false]) {
    await t.step(inWorker ? "in a worker" : "in place", async () => {
      await fc.assert(
        fc.asyncProperty(
          anyStream.chain((m) => fc.tuple(fc.constant(m), cuts(m.length))),
          async ([messages, splits]) => {
            // given a stream with poison, cut into batches anywhere
            const expected = emptyViews();
            applyBatch(expected, decodeBatch(messages));
            const projector = new BatchProjector(
              { projections: [...PROJECTIONS], checkpoints: [], carried: [] },
              { inWorker },
            );
            try {
              // when each batch is projected in order and its changes applied
              const views = emptyViews();
              const bounds = [0, ...splits, messages.length];
              for (let i = 0; i + 1 < bounds.length; i++) {
                const batch = messages.slice(bounds[i], bounds[i + 1]);
                if (batch.length === 0) continue;
                const changes = await projector.project(batch);
                applyChanges(views, changes);
                // and the writer records the batch's new event ids in the ledger
                for (const entry of changes.eventIds) views.event_ids.set(entry.event_id, entry);
              }
              // then the views equal one clean pass, dead letters and episodes included
              deepEqual(views, expected);
            } finally {
              projector.close();
            }
          },
        ),
        { numRuns: 30 },
      );
    });
  }

  await t.step("dead letters keep their bytes and headers, and a signing key applies", async () => {
    const projector = new BatchProjector(
      { projections: ["errors"], checkpoints: [], carried: [] },
      { inWorker: true, signingKey: "k" },
    );
    try {
      const e = event("error", "m-1", "2026-11-23T10:00:00.000Z", {
        code: "E1",
        severity: "info",
        message: "",
      });
      const signed = asMessages([e], { signingKey: "k" });
      const unsigned = asMessages([e], { firstSeq: 2 });
      const changes = await projector.project([...signed, ...unsigned]);
      deepEqual(changes.rows.errors?.map((r) => r.seq), [1]);
      deepEqual(changes.deadLetters, decodeBatch(unsigned, { signingKey: "k" }).deadLetters);
    } finally {
      projector.close();
    }
  });
});
