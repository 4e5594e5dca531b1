import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { fairShare, nextMove } from "./share.ts";
import { preferOrder } from "./worker.ts";

Deno.test("a fair share covers every unit and differs by at most one between workers", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), (u, w) => {
      const share = fairShare(u, w);
      equal(share * w >= u, true, "every unit can have a taker");
      equal((share - 1) * w < u, true, "no share is larger than needed");
    }),
  );
});

Deno.test("a worker above its share gives back the units it took last; below, it takes more", () => {
  deepEqual(nextMove(["a", "b", "c", "d"], { units: 7, workers: 3 }), {
    release: ["d"],
    take: 0,
  });
  deepEqual(nextMove(["a"], { units: 7, workers: 2 }), { release: [], take: 3 });
  deepEqual(nextMove([], { units: 7, workers: 1 }), { release: [], take: 7 });
});

Deno.test("a worker prefers partitions of the read models it holds fewest of, lowest first", () => {
  const units = ["machines", "errors", "power_minutes#0", "power_minutes#1", "power_minutes#2"];
  // with nothing held: whole read models and first partitions before the others
  const first = preferOrder(units, "w1", []);
  deepEqual(first.slice(3), ["power_minutes#1", "power_minutes#2"]);
  deepEqual(first.slice(0, 3).toSorted(), ["errors", "machines", "power_minutes#0"]);
  // holding a partition of power_minutes: every other read model first
  const holding = preferOrder(units, "w2", [{ unit: "power_minutes#0", fence: 1 }]);
  deepEqual(holding.slice(0, 2).toSorted(), ["errors", "machines"]);
  equal(holding.length, units.length);
});
