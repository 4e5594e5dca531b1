import { equal } from "node:assert/strict";
import { latencyNote } from "./api.ts";

const run = { requestsPerSec: 0, p50Ms: 0, p99Ms: 0, requests: 0, errors: 0, timeouts: 0 };

Deno.test("an API row's note shows only the percentiles enough timed answers support", async (t) => {
  await t.step("thousands of answers: p50 and p99", () => {
    equal(
      latencyNote({ ...run, requests: 5000, p50Ms: 21, p99Ms: 112 }),
      "p50 21 ms, p99 112 ms",
    );
  });
  await t.step("53 answers: a p50, but no p99", () => {
    equal(
      latencyNote({ ...run, requests: 53, p50Ms: 4910, p99Ms: 5360 }),
      "p50 4,910 ms, p99 not shown (53 answers timed, needs ≥ 200)",
    );
  });
  await t.step("every answer slower than wrk's timeout: no percentile, the timeouts said", () => {
    equal(
      latencyNote({ ...run, requests: 31, errors: 31, timeouts: 31 }),
      "p50 not shown (0 answers timed, needs ≥ 20), p99 not shown (0 answers timed, needs ≥ 200), " +
        "31 timeouts (> 30 s)",
    );
  });
});
