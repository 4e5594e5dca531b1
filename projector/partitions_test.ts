import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { anyDeliveries, anyStream } from "./_test_events.ts";
import { decodeBatch } from "./decode_batch.ts";
import { applyBatch, emptyViews, type MemoryTable, tableOf } from "./projections/views.ts";
import { REGISTRY } from "./registry.ts";
import {
  partitionDefinition,
  partitionIndexOf,
  partitionOf,
  projectionOfUnit,
  unitsOf,
} from "./partitions.ts";

const SPLIT = REGISTRY.filter((d) => d.partitionable);

Deno.test("partitions by machine", async (t) => {
  await t.step("a machine's partition is FNV-1a of its id modulo the count", () => {
    // Reference values computed apart from this code (FNV-1a 32-bit: m-001 → 1965747298).
    deepEqual(["m-001", "m-002", "m-007", "press-12"].map((m) => partitionOf(m, 4)), [2, 3, 0, 0]);
    deepEqual(["m-001", "m-002", "m-007"].map((m) => partitionOf(m, 7)), [4, 6, 2]);
    equal(partitionOf("m-001", 1), 0);
  });

  await t.step("power_minutes and sensor_readings split; the others stay whole", () => {
    deepEqual(SPLIT.map((d) => d.name), ["power_minutes", "sensor_readings"]);
    const units = unitsOf(REGISTRY, () => 3).map((d) => d.name);
    equal(units.length, REGISTRY.length + 2 * 2);
    deepEqual(units.filter((u) => u.startsWith("power_minutes")), [
      "power_minutes#0",
      "power_minutes#1",
      "power_minutes#2",
    ]);
    deepEqual(unitsOf(REGISTRY, () => 1).map((d) => d.name), REGISTRY.map((d) => d.name));
    deepEqual(["errors", "power_minutes#2"].map(projectionOfUnit), ["errors", "power_minutes"]);
    deepEqual(["errors", "power_minutes#2"].map(partitionIndexOf), [0, 2]);
  });

  await t.step(
    "the partitions, each over any deliveries of the stream, together equal one clean pass",
    () => {
      fc.assert(
        fc.property(
          anyStream.chain((s) => fc.tuple(fc.constant(s), anyDeliveries(s.length))),
          fc.integer({ min: 1, max: 5 }),
          ([messages, deliveries], count) => {
            const clean = emptyViews(SPLIT);
            applyBatch(clean, decodeBatch(messages), { projections: SPLIT });
            for (const definition of SPLIT) {
              const joined: MemoryTable = new Map();
              for (let i = 0; i < count; i++) {
                // each partition on its own, as its own worker would, with redelivery
                const unit = partitionDefinition(definition, i, count);
                const views = emptyViews([unit]);
                for (const [from, to] of deliveries) {
                  applyBatch(views, decodeBatch(messages.slice(from, to)), { projections: [unit] });
                }
                for (const [key, row] of tableOf(views, unit)) {
                  equal(joined.has(key), false, `${key} written by one partition only`);
                  joined.set(key, row);
                }
                equal(
                  views.checkpoints.get(unit.name)?.last_seq ?? 0,
                  messages.at(-1)?.seq ?? 0,
                );
              }
              deepEqual(joined, tableOf(clean, definition));
            }
          },
        ),
        { numRuns: 150 },
      );
    },
  );
});
