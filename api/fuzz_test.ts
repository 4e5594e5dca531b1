import assert from "node:assert/strict";
import fc from "fast-check";
import { parseApiKeys } from "./auth.ts";
import { seedErrors, seedMachines, seedPower, seedStateChanges, T0 } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { encodeCursor } from "./cursor.ts";

const PARAMS = [
  "from",
  "to",
  "machine",
  "limit",
  "order",
  "cursor",
  "format",
  "state",
  "severity",
  "code",
  "failure",
  "bucket",
  "ongoing",
  "type",
];

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1e3",
    "NaN",
    "9999999999999999999",
    "2026-11-23T10:00:00Z",
    String(T0),
    "2026-13-45",
    "0001-01-01",
    "9999-12-31T23:59:59.999Z",
    "m-001",
    "csv",
    "true",
    "5m",
    "%",
    "%E0%A4%A",
    "eyJzIjoiZXJyb3IiLCJvIjoiZGVzYyIsImsiOlsiYSIsImIiXX0",
    "eyJzIjoiZXJyb3IiLCJvIjoiZGVzYyIsImsiOlsxZTMwMCwxXX0",
    "'; DROP TABLE machines; --",
    "\u0000",
    "a\u0000b",
    "0001-01-01",
  ),
  fc.integer().map(String),
);

/** Cursors in our own format with a real scope and arbitrary keys: forged, not random bytes. */
const forgedCursor = fc.record({
  s: fc.constantFrom(
    "state_change",
    "error",
    "sensor",
    "xray",
    "power:1m",
    "power:1h",
    "machines",
    "failures",
  ),
  o: fc.constantFrom("asc" as const, "desc" as const),
  k: fc.array(
    fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.maxSafeInteger(), fc.constant(1e300)),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
}).map(encodeCursor);

const segment = fc.oneof(
  fc.constantFrom("state_change", "error", "power", "sensor", "xray", "latest", "raw", "metadata"),
  fc.constantFrom("1", "0", "18446744073709551615", "m-001@2026-11-23T10:00:00.000Z"),
  fc.uuid(),
  nasty.map(encodeURIComponent),
);

const path = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      "signals",
      "machines",
      "failures",
      "stream",
      "admin",
      "health",
      "metrics",
      "openapi.json",
      "docs",
    ),
    fc.array(segment, { maxLength: 4 }),
  )
    .map(([head, rest]) => `/${[head, ...rest].join("/")}`),
  fc.constantFrom("/admin/replay", "/signals/power", "/signals/error/latest"),
);

const value = fc.oneof(nasty, forgedCursor);
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string()), value), {
  maxLength: 6,
})
  .map((pairs) =>
    pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")
  );

const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
const headers = fc.record({
  accept: fc.oneof(fc.constantFrom("text/csv", "application/json", "*/*"), headerValue),
  "if-none-match": headerValue,
  authorization: fc.oneof(
    fc.constantFrom("Bearer admin-key-01", "Bearer reader-key-1"),
    headerValue,
  ),
  "content-type": fc.oneof(fc.constant("application/json"), headerValue),
  "x-request-id": headerValue,
}, { requiredKeys: [] });

const body = fc.oneof(
  fc.json(),
  fc.record({
    projection: fc.oneof(fc.constantFrom("all", "errors"), fc.string()),
    fromSeq: fc.anything(),
    fromTime: nasty,
  })
    .map((v) => JSON.stringify(v)),
);

const LISTS: Record<string, string> = {
  state_change: "/signals/state_change?",
  error: "/signals/error?",
  sensor: "/signals/sensor?",
  xray: "/signals/xray?",
  "power:1m": "/signals/power?bucket=1m&",
  "power:1h": "/signals/power?bucket=1h&",
  machines: "/machines?",
  failures: "/failures?",
};

/** A list request carrying a cursor of that very list and order, with arbitrary key values. */
const forgedListRequest = fc.record({
  s: fc.constantFrom(...Object.keys(LISTS)),
  o: fc.constantFrom("asc" as const, "desc" as const),
  k: fc.array(
    fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom("m-001", ""),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.double(),
      fc.constant(1e300),
    ),
    { minLength: 1, maxLength: 3 },
  ),
}).map((c) => {
  const order = c.s === "machines" ? "" : `order=${c.o}&`;
  return `${LISTS[c.s]}${order}cursor=${encodeCursor(c)}`;
});

Deno.test("no request on any route produces a 5xx", async () => {
  const env = await startTestEnv();
  try {
    const machines = await seedMachines(env.sql, ["running", "idle"]);
    await seedStateChanges(env.sql, machines, 30);
    await seedErrors(env.sql, machines, 10);
    await seedPower(env.sql, machines, 30);
    // A live projector heartbeat, so /health answers 200 and any 5xx is a real failure.
    await env
      .sql`INSERT INTO projector_status (name, heartbeat_at) VALUES ('projector', now() + interval '1 hour')`;
    const apps = [
      env.app(),
      env.app({
        settings: { apiKeys: parseApiKeys("reader-key-1:read,admin-key-01:admin") },
      }),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }),
        fc.constantFrom("GET", "GET", "GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"),
        path,
        query,
        headers,
        body,
        async (which, method, p, q, h, b) => {
          // /stream answers forever by design; its inputs are still validated, and a 200 ends here.
          const url = q ? `${p}?${q}` : p;
          const res = await apps[which]!.request(url, {
            method,
            headers: h,
            ...(["POST", "PUT", "PATCH"].includes(method) ? { body: b } : {}),
          });
          await res.body?.cancel();
          assert.ok(res.status < 500, `${method} ${url} → ${res.status}`);
          if (res.status >= 400) {
            assert.equal(res.headers.get("content-type"), "application/problem+json", url);
          }
        },
      ),
      { numRuns: 600 },
    );
    await fc.assert(
      fc.asyncProperty(forgedListRequest, async (url) => {
        const res = await apps[0]!.request(url);
        await res.body?.cancel();
        assert.ok(res.status < 500, `${url} → ${res.status}`);
      }),
      { numRuns: 300 },
    );
  } finally {
    await env.close();
  }
});
