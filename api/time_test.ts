import assert from "node:assert/strict";
import fc from "fast-check";
import { iso, parseTime } from "./time.ts";

const MIN = Date.parse("0001-01-01T00:00:00.000Z");
const MAX = Date.parse("9999-12-31T23:59:59.999Z");

Deno.test("times parse from ISO 8601 or epoch milliseconds", async (t) => {
  await t.step("epoch ms and ISO of the same instant agree", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX }), (ms) => {
      assert.equal(parseTime(String(ms))?.getTime(), ms);
      assert.equal(parseTime(new Date(ms).toISOString())?.getTime(), ms);
    }));
  });
  await t.step("offsets and dates without a time", () => {
    assert.equal(parseTime("2026-11-23T12:00:00+02:00")?.toISOString(), "2026-11-23T10:00:00.000Z");
    assert.equal(parseTime("2026-11-23")?.toISOString(), "2026-11-23T00:00:00.000Z");
    assert.equal(iso(parseTime("1795428000000")), "2026-11-23T10:00:00.000Z");
    assert.equal(iso(parseTime("0001-01-01")), "0001-01-01T00:00:00.000Z");
    assert.equal(parseTime("10000-01-01"), null);
  });
  await t.step("anything else is null, never an exception", () => {
    for (
      const text of [
        "",
        "yesterday-ish",
        "2026-13-01",
        "2026-02-30",
        "2026-11-23T25:00:00Z",
        "1e12",
        "99999999999999999",
      ]
    ) {
      assert.equal(parseTime(text), null, text);
    }
    fc.assert(fc.property(fc.string(), (text) => {
      const parsed = parseTime(text);
      assert.ok(parsed === null || (parsed.getTime() >= MIN && parsed.getTime() <= MAX));
    }));
  });
});
