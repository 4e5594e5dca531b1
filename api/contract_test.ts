import assert from "node:assert/strict";
import type { Sql } from "postgres";
import type { NatsConnection } from "@nats-io/nats-core";
import { createApp } from "./app.ts";
import { parseApiKeys } from "./auth.ts";
import { ContractChecker } from "./_conformance.ts";
import { idOf, seedMachines } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { silentLogger } from "../testing/mod.ts";
import { openApiDocument } from "./spec.ts";
import type { ApiSettings } from "./deps.ts";

/** An app whose document can be read without a database or NATS. */
function offlineApp(settings: Partial<ApiSettings> = {}) {
  return createApp({
    sql: {} as Sql,
    nats: {} as NatsConnection,
    logger: silentLogger,
    settings: { apiKeys: [], ...settings },
  });
}

const problem = (status: number, extra: Record<string, unknown> = {}) =>
  new Response(
    JSON.stringify({
      type: "about:blank",
      title: "x",
      status,
      detail: "x",
      code: "x",
      instance: "/x",
      ...extra,
    }),
    { status, headers: { "content-type": "application/problem+json" } },
  );

Deno.test("the contract checker fails a response that drifts from /openapi.json", async (t) => {
  const checker = new ContractChecker(openApiDocument(offlineApp()));
  const drifts: [string, string, string, Response][] = [
    [
      "a Problem with a member it does not declare",
      "GET",
      "/signals/nope",
      problem(404, {
        validTypes: ["power"],
      }),
    ],
    [
      "a field without its value",
      "GET",
      "/machines",
      problem(400, {
        fields: [{ field: "limit", message: "bad" }],
      }),
    ],
    ["an undeclared status", "GET", "/machines", problem(418)],
    [
      "an undeclared content type",
      "GET",
      "/machines",
      new Response("<p>", { headers: { "content-type": "text/html" } }),
    ],
    [
      "a 304 without its ETag",
      "GET",
      "/signals/error",
      new Response(null, { status: 304 }),
    ],
    ["a 405 without Allow", "PUT", "/machines", problem(405)],
    [
      "a page whose row lacks a member",
      "GET",
      "/machines",
      Response.json({ data: [{ machineId: "m-001" }], next: null }),
    ],
  ];
  for (const [name, method, path, response] of drifts) {
    await t.step(name, async () => {
      await assert.rejects(checker.check(method, path, response), /breaks the OpenAPI contract/);
    });
  }
  await t.step("a response that keeps the contract passes", async () => {
    await checker.check("GET", "/signals/nope", problem(404));
    await checker.check("GET", "/machines", Response.json({ data: [], next: null }));
  });
});

Deno.test("the document declares operation ids, formats and security as the app behaves", async (t) => {
  const keys = parseApiKeys("reader-key-1:read,admin-key-01:admin");
  const doc = openApiDocument(offlineApp({ apiKeys: keys }));
  type Op = {
    operationId?: string;
    security?: unknown[];
    parameters?: { name: string; schema: { pattern?: string } }[];
    responses: Record<string, { content?: Record<string, unknown>; headers?: object }>;
  };
  const ops = Object.entries(doc.paths!).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Op>).map(([method, op]) => ({ path, method, op }))
  );

  await t.step("every operation has a unique operationId", () => {
    const ids = ops.map((o) => o.op.operationId);
    assert.ok(ids.every((id) => typeof id === "string" && id.length > 0), JSON.stringify(ids));
    assert.equal(new Set(ids).size, ids.length);
  });
  await t.step("docs, metrics, the document itself and 304s are declared", () => {
    const at = (path: string) => (doc.paths![path] as Record<string, Op>).get!;
    assert.ok(at("/docs").responses[200]!.content!["text/html"]);
    assert.ok(at("/docs/app.js").responses[200]!.content!["text/javascript"]);
    assert.ok(at("/metrics").responses[200]!.content!["text/plain"]);
    assert.ok(at("/openapi.json").responses[200]!.content!["application/json"]);
    assert.ok(at("/stream").responses[200]!.content!["text/event-stream"]);
    assert.ok(at("/signals/{type}").responses[200]!.content!["text/csv"]);
    assert.ok(at("/signals/{type}").responses[304]!.headers);
  });
  await t.step("ids declare their real patterns", () => {
    const pattern = (path: string) =>
      new RegExp(
        (doc.paths![path] as Record<string, Op>).get!.parameters!.find((p) => p.name === "id")!
          .schema.pattern!,
      );
    const record = pattern("/signals/{type}/{id}");
    const raw = pattern("/signals/{type}/{id}/raw");
    for (const id of [idOf(1), "m-001@2026-11-23T10:00:00.000Z", "m-1@2026-11-23T10:00:00Z~1h"]) {
      assert.match(id, record);
      assert.match(id, raw);
    }
    assert.match("42", raw);
    assert.doesNotMatch("42", record);
    for (const id of ["abc", "m-001@yesterday", "0", "m-001@2026-11-23T10:00:30.000Z"]) {
      assert.doesNotMatch(id, raw, id);
    }
  });
  await t.step("reads are secured with keys, not under PUBLIC_READS; admin always", () => {
    const publicDoc = openApiDocument(offlineApp({ apiKeys: keys, publicReads: true }));
    const security = (d: typeof doc, path: string, method: string) =>
      (d.paths![path] as Record<string, Op>)[method]!.security;
    assert.deepEqual(security(doc, "/machines", "get"), [{ apiKey: [] }]);
    assert.deepEqual(security(publicDoc, "/machines", "get"), []);
    assert.deepEqual(security(publicDoc, "/signals/{type}", "get"), []);
    assert.deepEqual(security(publicDoc, "/admin/replay", "post"), [{ apiKey: [] }]);
    assert.deepEqual(security(publicDoc, "/health", "get"), []);
    const publicMachines = (publicDoc.paths!["/machines"] as Record<string, Op>).get!;
    assert.equal(publicMachines.responses[401], undefined, "no 401 where none can happen");
  });
});

Deno.test("every route handles methods, unknown parameters and empty values alike", async (t) => {
  const env = await startTestEnv();
  try {
    await seedMachines(env.sql, ["idle"]);
    const apiKeys = parseApiKeys("reader-key-1:read,admin-key-01:admin");
    const app = env.app({ settings: { apiKeys } });
    const read = { authorization: "Bearer reader-key-1" };
    const expectProblem = async (res: Response, status: number, field?: string) => {
      assert.equal(res.status, status);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      const body = await res.json();
      if (field) assert.ok(body.fields.some((f: { field: string }) => f.field === field), field);
      return body;
    };

    await t.step("a method a path lacks is a 405 with Allow, before authentication", async () => {
      for (
        const [method, path] of [
          ["PUT", "/machines"],
          ["POST", "/health"],
          ["DELETE", "/signals/error"],
          ["PATCH", "/admin/replay"],
          ["POST", "/machines/m-001"],
        ]
      ) {
        const res = await app.request(path!, { method });
        await expectProblem(res, 405);
        assert.match(
          res.headers.get("allow")!,
          /^(GET, HEAD|GET, HEAD, POST)$/,
          `${method} ${path}`,
        );
      }
    });

    await t.step("TRACE on a served app is a 405 too", async () => {
      const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
      try {
        const conn = await Deno.connect({ port: server.addr.port, hostname: "127.0.0.1" });
        await conn.write(
          new TextEncoder().encode(
            "TRACE /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          ),
        );
        const text = new TextDecoder().decode(
          new Uint8Array(await new Response(conn.readable).arrayBuffer()),
        );
        assert.match(text, /^HTTP\/1\.1 405/);
        assert.match(text, /\r\nallow: GET, HEAD\r\n/i);
      } finally {
        await server.shutdown();
      }
    });

    await t.step("an unknown query parameter is a 400 naming it, on every route", async () => {
      const id = idOf(1);
      for (
        const path of [
          "/machines",
          "/machines/m-001",
          "/failures",
          "/signals/error",
          "/signals/error/latest",
          `/signals/error/${id}`,
          `/signals/error/${id}/raw`,
          `/signals/error/${id}/raw/metadata`,
          "/stream",
          "/health",
          "/metrics",
          "/openapi.json",
          "/docs",
          "/admin/replay/j",
        ]
      ) {
        const auth = path.startsWith("/admin") ? { authorization: "Bearer admin-key-01" } : read;
        const res = await app.request(`${path}?colour=red`, { headers: auth });
        const body = await expectProblem(res, 400, "colour");
        assert.match(body.detail, /'colour' is not a parameter/, path);
      }
    });

    await t.step("format=csv where no CSV is offered is a 400 naming format", async () => {
      await expectProblem(
        await app.request("/machines/m-001?format=csv", { headers: read }),
        400,
        "format",
      );
    });

    await t.step("an unknown machine is a 404 on /stream as on /signals", async () => {
      for (const path of ["/stream?machine=zz", "/signals/error?machine=zz"]) {
        await expectProblem(await app.request(path, { headers: read }), 404, "machine");
      }
    });

    await t.step("empty values are refused as the declared patterns say", async () => {
      for (const field of ["from", "to", "cursor", "limit", "machine"]) {
        const res = await app.request(`/signals/error?${field}=`, { headers: read });
        const body = await expectProblem(res, 400, field);
        assert.equal(body.fields[0].value, "");
      }
      const res = await app.request("/admin/replay", {
        method: "POST",
        headers: { authorization: "Bearer admin-key-01", "content-type": "application/json" },
        body: JSON.stringify({ projection: "all", fromSeq: 1, fromTime: "" }),
      });
      const body = await expectProblem(res, 400, "fromTime");
      assert.deepEqual(body.fields.map((f: { value: unknown }) => f.value), [""]);
    });
  } finally {
    await env.close();
  }
});

Deno.test("cursors page through rows dated up to 9999-12-31 in both orders", async () => {
  const env = await startTestEnv();
  try {
    const machines = await seedMachines(env.sql, ["idle"]);
    const times = [
      "2255-06-01T00:00:00.000001Z",
      "9999-12-31T23:59:59.997Z",
      "9999-12-31T23:59:59.998Z",
      "9999-12-31T23:59:59.999999Z",
      "9999-12-31T23:59:59.999999Z",
    ];
    await env.sql`INSERT INTO errors ${
      env.sql(times.map((at, i) => ({
        seq: 100 + i,
        event_id: idOf(i, 9),
        machine_id: machines[0]!,
        code: "E1",
        severity: "info",
        message: "far future",
        at,
      })))
    }`;
    const app = env.app();
    for (const order of ["asc", "desc"]) {
      const seen: number[] = [];
      let url: string | null = `/signals/error?order=${order}&limit=1`;
      while (url) {
        const res: Response = await app.request(url);
        assert.equal(res.status, 200, url);
        const page: { data: { seq: number }[]; next: string | null } = await res.json();
        seen.push(...page.data.map((row) => row.seq));
        url = page.next ? `/signals/error?order=${order}&limit=1&cursor=${page.next}` : null;
        assert.ok(seen.length <= times.length, "pagination ends");
      }
      const expected = [100, 101, 102, 103, 104];
      assert.deepEqual(seen, order === "asc" ? expected : expected.reverse(), order);
    }
  } finally {
    await env.close();
  }
});
