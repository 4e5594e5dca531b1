import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { uuidV7 } from "./ids.ts";
import { z } from "zod";

Deno.test("uuidV7 gives valid, time-ordered v7 ids", () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 2 ** 47 }),
    fc.integer({ min: 1, max: 2 ** 20 }),
    fc.double({ min: 0, max: 0.999, noNaN: true }),
    (time, step, r) => {
      const a = uuidV7(time, () => r);
      const b = uuidV7(time + step, () => r);
      ok(z.uuid({ version: "v7" }).safeParse(a).success, a);
      ok(a < b, `${a} < ${b}`);
    },
  ));
});

Deno.test("uuidV7 is reproducible from the same clock and random source", () => {
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const first = uuidV7(1_700_000_000_000, random);
  seed = 1;
  equal(uuidV7(1_700_000_000_000, random), first);
});
