import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { fairShare, nextMove } from "./share.ts";

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
