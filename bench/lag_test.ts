import { equal } from "node:assert/strict";
import { percentile } from "./lag.ts";

Deno.test("percentile picks the nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  equal(percentile(values, 50), 50);
  equal(percentile(values, 99), 99);
  equal(percentile(values, 100), 100);
  equal(percentile([7], 99), 7);
  equal(percentile([], 50), 0);
});
