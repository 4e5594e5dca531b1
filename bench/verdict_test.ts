import { deepEqual, equal, match } from "node:assert/strict";
import { judge, type Judged, MIN_SAMPLES } from "./verdict.ts";

const row = (overrides: Partial<Judged>): Judged => ({
  value: 1000,
  basis: { kind: "request rate", count: 5000, of: "requests" },
  target: "zero errors",
  targetMet: true,
  ...overrides,
});

Deno.test("a row that rests on enough measurements is judged by its target", async (t) => {
  await t.step("met", () => deepEqual(judge(row({})), { met: true }));
  await t.step("missed, with the target as the reason", () => {
    deepEqual(judge(row({ targetMet: false, target: "p99 < 20 ms" })), {
      met: false,
      reason: "target missed: p99 < 20 ms",
    });
  });
  await t.step("no target: no verdict", () => {
    deepEqual(judge(row({ targetMet: undefined })), { met: undefined });
  });
});

Deno.test("a row with no samples is not met, whatever its target says", async (t) => {
  await t.step("zero requests and 0 req/s (the CSV export under a 3 s wrk run)", () => {
    const verdict = judge(
      row({ value: 0, basis: { kind: "request rate", count: 0, of: "requests" } }),
    );
    equal(verdict.met, false);
    match(verdict.reason ?? "", /no samples/);
  });
  await t.step("a peak memory never read", () => {
    const verdict = judge(
      row({ value: 0, basis: { kind: "peak memory", count: 0, of: "readings" } }),
    );
    equal(verdict.met, false);
    match(verdict.reason ?? "", /no samples/);
  });
  await t.step("a figure that is not a number", () => {
    equal(judge(row({ value: Number.NaN })).met, false);
  });
  await t.step("even without a target", () => {
    const empty = row({
      targetMet: undefined,
      basis: { kind: "p50", count: 0, of: "lag samples" },
    });
    equal(judge(empty).met, false);
  });
});

Deno.test("a row with fewer measurements than its kind needs is not met, saying how many", async (t) => {
  await t.step("a p99 over 199 requests", () => {
    const verdict = judge(row({ basis: { kind: "p99", count: 199, of: "requests" } }));
    deepEqual(verdict, {
      met: false,
      reason: "too few samples: rests on 199 requests; p99 needs ≥ 200",
    });
  });
  await t.step("a p99 over exactly the minimum is judged by its target", () => {
    equal(judge(row({ basis: { kind: "p99", count: MIN_SAMPLES.p99, of: "requests" } })).met, true);
  });
  await t.step("a request rate over 53 completed requests", () => {
    const verdict = judge(row({ basis: { kind: "request rate", count: 53, of: "requests" } }));
    equal(verdict.met, false);
    match(verdict.reason ?? "", /rests on 53 requests; request rate needs ≥ 100/);
  });
  await t.step("an event rate over 9,999 events", () => {
    const verdict = judge(row({ basis: { kind: "event rate", count: 9_999, of: "events" } }));
    match(verdict.reason ?? "", /rests on 9,999 events; event rate needs ≥ 10,000/);
  });
});

Deno.test("a row whose baseline measured nothing is not met", () => {
  for (const baseline of [0, Number.NaN, Number.POSITIVE_INFINITY]) {
    const verdict = judge(row({ baseline }));
    equal(verdict.met, false, `baseline ${baseline}`);
    match(verdict.reason ?? "", /baseline measured nothing/);
  }
  equal(judge(row({ baseline: 138_807 })).met, true);
});
