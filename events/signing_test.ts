import { equal } from "node:assert/strict";
import { sign, verify } from "./signing.ts";

const bytes = new TextEncoder().encode("what do ya want for nothing?");
// RFC 4231, test case 2.
const EXPECTED = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

Deno.test("signatures are the hex HMAC-SHA256 of the bytes", async (t) => {
  await t.step("the RFC 4231 vector", () => equal(sign(bytes, "Jefe"), EXPECTED));
  await t.step("the signature verifies, in either case of hex", () => {
    equal(verify(bytes, EXPECTED, "Jefe"), true);
    equal(verify(bytes, EXPECTED.toUpperCase(), "Jefe"), true);
  });
  await t.step("anything else does not", () => {
    equal(verify(bytes, EXPECTED, "other key"), false);
    equal(verify(bytes, EXPECTED.slice(0, 62), "Jefe"), false, "truncated");
    equal(verify(bytes, `${EXPECTED}00`, "Jefe"), false, "too long");
    equal(verify(bytes, `${EXPECTED.slice(0, 63)}g`, "Jefe"), false, "not hex");
    equal(verify(bytes, `${EXPECTED.slice(0, 63)}`, "Jefe"), false, "odd length");
    equal(verify(bytes, "", "Jefe"), false, "empty");
  });
});
