import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeCursor, encodeCursor } from "./cursor.ts";

const cursor = fc.record({
  s: fc.string(),
  o: fc.constantFrom("asc" as const, "desc" as const),
  k: fc.array(fc.oneof(fc.string({ maxLength: 200 }), fc.maxSafeInteger()), {
    minLength: 1,
    maxLength: 3,
  }),
});

Deno.test("cursors round-trip and reject anything not issued by us", async (t) => {
  await t.step("decode(encode(c)) equals c, and the text is URL-safe", () => {
    fc.assert(fc.property(cursor, (c) => {
      const text = encodeCursor(c);
      assert.match(text, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodeCursor(text), { ...c });
    }));
  });
  await t.step("random text decodes to null without throwing", () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const decoded = decodeCursor(text);
      assert.ok(decoded === null || typeof decoded.s === "string");
    }));
    assert.equal(decodeCursor(btoa(JSON.stringify({ s: "x", o: "up", k: [1] }))), null);
  });
});
