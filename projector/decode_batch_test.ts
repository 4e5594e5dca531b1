import { deepEqual, equal } from "node:assert/strict";
import { asMessages, event } from "./_test_events.ts";
import { decodeBatch, MAX_ABS_WATTS } from "./decode_batch.ts";

Deno.test("decoding a batch orders by sequence, drops repeats and keeps bad messages", async (t) => {
  const [a, b, c] = asMessages([
    event("state_change", "m-1", "2026-11-23T10:00:00.000Z", { from: null, to: "idle" }),
    new TextEncoder().encode("[]"),
    event("power", "m-1", "2026-11-23T10:00:00.000Z", { sampleRateHz: 1, watts: [1] }),
  ]);

  await t.step("redelivered and out-of-order messages are decoded once, in order", () => {
    const batch = decodeBatch([c!, a!, c!, b!, a!]);
    deepEqual(batch.events.map((e) => e.seq), [1, 3]);
    deepEqual(batch.deadLetters.map((d) => [d.seq, d.reason.split(":")[0]]), [[2, "schema"]]);
    equal(batch.lastSeq, 3);
  });

  await t.step("a sample beyond the contract's bounds is a dead letter, not a corrupt sum", () => {
    const [huge] = asMessages([
      event("power", "m-1", "2026-11-23T10:00:00.000Z", {
        sampleRateHz: 1,
        watts: [1, MAX_ABS_WATTS * 10],
      }),
    ]);
    const batch = decodeBatch([huge!]);
    equal(batch.events.length, 0);
    const reason = batch.deadLetters[0]?.reason ?? "";
    equal(reason.startsWith("schema:") && reason.includes("data.watts.1"), true, reason);
  });

  await t.step("a time the database cannot store is a dead letter", () => {
    const [early] = asMessages([
      event("state_change", "m-1", "0000-01-01T00:00:00.000Z", { from: null, to: "idle" }),
    ]);
    const batch = decodeBatch([early!]);
    equal(
      batch.deadLetters[0]?.reason.startsWith("out_of_range: Invalid field 'occurredAt'"),
      true,
    );
  });

  await t.step("text with U+0000, which PostgreSQL cannot store, is a dead letter", () => {
    const [nul] = asMessages([
      event("error", "m-1", "2026-11-23T10:00:00.000Z", {
        code: "E1",
        severity: "info",
        message: "a\u0000b",
      }),
    ]);
    const batch = decodeBatch([nul!]);
    equal(
      batch.deadLetters[0]?.reason.startsWith("out_of_range: Invalid field 'data.message'"),
      true,
    );
  });

  await t.step("with a signing key, unsigned messages are dead letters", () => {
    const batch = decodeBatch([a!], { signingKey: "k" });
    deepEqual(batch.deadLetters.map((d) => d.reason.split(":")[0]), ["missing_signature"]);
  });

  await t.step("an empty batch", () => {
    deepEqual(decodeBatch([]), { events: [], deadLetters: [], lastSeq: 0 });
  });
});
