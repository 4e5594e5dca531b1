import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { arbitrarySignalEvent } from "./arbitraries.ts";
import { decodeEvent, encodeEvent, MSG_ID_HEADER } from "./codec.ts";
import type { DecodeErrorCode } from "./errors.ts";
import { SIGNATURE_HEADER } from "./signing.ts";
import type { SignalEvent } from "./schema.ts";

const encoder = new TextEncoder();
const KEY = "test-signing-key";

const validEvent: SignalEvent = {
  id: "0193a1b2-c3d4-7e5f-8a6b-1c2d3e4f5a6b",
  type: "power",
  v: 1,
  machineId: "m-007",
  occurredAt: "2026-11-23T10:00:00.000Z",
  data: { sampleRateHz: 100, watts: [1200.5, 1201] },
};

function headerOf(headers: Record<string, string>) {
  return (name: string) => headers[name];
}

Deno.test("every valid event survives encode then decode unchanged", () => {
  fc.assert(fc.property(arbitrarySignalEvent, (event) => {
    const encoded = encodeEvent(event, { signingKey: KEY });
    equal(encoded.headers[MSG_ID_HEADER], event.id);
    const decoded = decodeEvent(encoded.bytes, {
      subject: encoded.subject,
      header: headerOf(encoded.headers),
      signingKey: KEY,
    });
    ok(decoded.ok, decoded.ok ? "" : decoded.error.reason);
    deepEqual(decoded.event, JSON.parse(JSON.stringify(event)));
  }));
});

Deno.test("encode puts the event on signals.<type>.<machineId>", () => {
  equal(encodeEvent(validEvent).subject, "signals.power.m-007");
});

Deno.test("decode rejects each kind of invalid input with a readable reason", async (t) => {
  const cases: [string, Uint8Array, DecodeErrorCode, RegExp][] = [
    ["bad JSON", encoder.encode("{not json"), "bad_json", /Cannot parse message as JSON/],
    ["invalid UTF-8", new Uint8Array([0xff, 0xfe]), "bad_json", /JSON/],
    ["a JSON array", encoder.encode("[1,2]"), "schema", /must be a JSON object/],
    [
      "an unknown type",
      encoder.encode(JSON.stringify({ ...validEvent, type: "temperature" })),
      "unknown_type",
      /Unknown type "temperature"/,
    ],
    [
      "an unknown version",
      encoder.encode(JSON.stringify({ ...validEvent, v: 2 })),
      "unknown_version",
      /Unknown version 2 of 'power'/,
    ],
    [
      "a bad machine id",
      encoder.encode(JSON.stringify({ ...validEvent, machineId: "m 7" })),
      "schema",
      /'machineId'/,
    ],
    [
      "a non-numeric power sample",
      encoder.encode(JSON.stringify({ ...validEvent, data: { sampleRateHz: 100, watts: ["x"] } })),
      "schema",
      /'data.watts.0'/,
    ],
    [
      "a missing time",
      encoder.encode(JSON.stringify({ ...validEvent, occurredAt: undefined })),
      "schema",
      /'occurredAt'/,
    ],
    [
      "a sensor named __proto__, which a decoded record would drop",
      encoder.encode(
        `{"id":"${validEvent.id}","type":"sensor","v":1,"machineId":"m-1",` +
          `"occurredAt":"2026-01-01T00:00:00.000Z",` +
          `"data":{"readings":{"__proto__":1},"failure":null}}`,
      ),
      "schema",
      /readings/,
    ],
    [
      "an unexpected field",
      encoder.encode(JSON.stringify({ ...validEvent, extra: 1 })),
      "schema",
      /extra/,
    ],
  ];
  for (const [name, bytes, code, reason] of cases) {
    await t.step(name, () => {
      const result = decodeEvent(bytes);
      ok(!result.ok);
      equal(result.error.code, code);
      ok(reason.test(result.error.message), result.error.message);
      ok(result.error.reason.startsWith(`${code}: `));
    });
  }
});

Deno.test("decode checks the subject and signature when asked to", async (t) => {
  const encoded = encodeEvent(validEvent, { signingKey: KEY });
  await t.step("a subject that does not match the event", () => {
    const result = decodeEvent(encoded.bytes, { subject: "signals.power.m-008" });
    ok(!result.ok);
    equal(result.error.code, "subject_mismatch");
  });
  await t.step("a missing signature", () => {
    const result = decodeEvent(encoded.bytes, { header: () => undefined, signingKey: KEY });
    ok(!result.ok);
    equal(result.error.code, "missing_signature");
  });
  await t.step("a signature made with another key", () => {
    const other = encodeEvent(validEvent, { signingKey: "other" });
    const result = decodeEvent(other.bytes, { header: headerOf(other.headers), signingKey: KEY });
    ok(!result.ok);
    equal(result.error.code, "bad_signature");
  });
  await t.step("bytes changed after signing", () => {
    const tampered = encodeEvent({ ...validEvent, machineId: "m-008" });
    const result = decodeEvent(tampered.bytes, {
      header: headerOf(encoded.headers),
      signingKey: KEY,
    });
    ok(!result.ok);
    equal(result.error.code, "bad_signature");
  });
  await t.step("a correct signature", () => {
    const result = decodeEvent(encoded.bytes, {
      header: headerOf(encoded.headers),
      signingKey: KEY,
    });
    ok(result.ok);
    ok(encoded.headers[SIGNATURE_HEADER]);
  });
});
