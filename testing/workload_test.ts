import { deepEqual, equal, ok } from "node:assert/strict";
import { SIGNAL_TYPES } from "../events/mod.ts";
import { fleetEvents, T0, workload } from "./workload.ts";

Deno.test("workloads come from the producer's simulation", async (t) => {
  await t.step("the same seed gives the same events, another seed others", () => {
    deepEqual(workload(500, { seed: 3 }), workload(500, { seed: 3 }));
    ok(workload(50, { seed: 3 })[0]!.id !== workload(50, { seed: 4 })[0]!.id);
  });

  await t.step("workload(n) is exactly n events in time order from T0", () => {
    const events = workload(2000);
    equal(events.length, 2000);
    equal(events[0]!.occurredAt >= new Date(T0).toISOString(), true);
    ok(events.every((e, i) => i === 0 || events[i - 1]!.occurredAt <= e.occurredAt));
  });

  await t.step("fleetEvents covers every signal type within its window", () => {
    const fromMs = T0 + 60_000;
    const events = fleetEvents(60, { fromMs });
    deepEqual(new Set(events.map((e) => e.type)), new Set(SIGNAL_TYPES));
    ok(events.every((e) => Date.parse(e.occurredAt) >= fromMs));
    ok(events.every((e) => Date.parse(e.occurredAt) < fromMs + 60_000));
    deepEqual([...new Set(events.map((e) => e.machineId))].sort(), [
      "m-001",
      "m-002",
      "m-003",
      "xray-01",
    ]);
  });
});
