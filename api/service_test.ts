import assert from "node:assert/strict";
import { publish, T0 } from "./_seed.ts";
import { connect } from "@nats-io/transport-node";
import { createApp } from "./app.ts";
import { conforming } from "./_conformance.ts";
import { startTestEnv } from "./_test_stack.ts";
import { silentLogger } from "../testing/mod.ts";

const PROJECTIONS = ["machines", "state_changes", "errors", "power_minutes"];

Deno.test("health, metrics, OpenAPI and docs describe the running service", async (t) => {
  const env = await startTestEnv();
  try {
    let now = new Date();
    const app = env.app({ now: () => now, settings: { apiKeys: [], projectorStaleMs: 30_000 } });
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: crypto.randomUUID().replace(/^(.{14})./, "$17"),
      type: "state_change" as const,
      v: 1 as const,
      machineId: "m-001",
      occurredAt: new Date(T0 + i).toISOString(),
      data: { from: null, to: "idle" as const },
    }));
    await publish(env.nats, events);

    await t.step("no projector heartbeat yet → 503 with the projector unknown", async () => {
      const res = await app.request("/health");
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.components.postgres.status, "ok");
      assert.equal(body.components.nats.status, "ok");
      assert.equal(body.components.projector.status, "unknown");
    });

    await t.step("a fresh heartbeat → 200, lag = stream last seq − lowest checkpoint", async () => {
      await env
        .sql`INSERT INTO projector_status (name, heartbeat_at, events_per_sec, projected_total)
        VALUES ('projector', ${now}, 1234.5, 3)`;
      for (const [i, projection] of PROJECTIONS.entries()) {
        await env.sql`INSERT INTO projection_checkpoints (projection, last_seq)
          VALUES (${projection}, ${i === 2 ? 2 : 5})`;
      }
      await env.sql`INSERT INTO dead_letters (seq, subject, reason, raw) VALUES
        (1, 'signals.power.x', 'bad_json', '\\x00'), (2, 'signals.power.x', 'schema', '\\x00')`;
      const res = await app.request("/health");
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.status, "ok");
      assert.equal(body.components.projector.streamLastSeq, 5);
      assert.equal(body.components.projector.lag, 3);
      assert.equal(body.components.projector.eventsPerSec, 1234.5);
    });

    await t.step("a stale heartbeat → 503", async () => {
      now = new Date(now.getTime() + 31_000);
      const res = await app.request("/health");
      assert.equal(res.status, 503);
      assert.equal((await res.json()).components.projector.status, "stale");
      now = new Date(now.getTime() - 31_000);
    });

    await t.step(
      "metrics: requests by route and status, latency, lag, rate, dead letters",
      async () => {
        await (await app.request("/signals/nope")).body?.cancel();
        const text = await (await app.request("/metrics")).text();
        assert.match(text, /http_requests_total\{route="\/health",method="GET",status="200"\} 1/);
        assert.match(
          text,
          /http_requests_total\{route="\/signals\/:type",method="GET",status="404"\} 1/,
        );
        assert.match(
          text,
          /http_request_duration_seconds_bucket\{route="\/health",method="GET",le="\+Inf"\} 3/,
        );
        assert.match(text, /^projector_lag_events 3$/m);
        assert.match(text, /^projector_events_per_second 1234.5$/m);
        assert.match(text, /^dead_letters_total 2$/m);
        assert.match(text, /^projector_checkpoint_seq\{projection="errors"\} 2$/m);
      },
    );

    await t.step(
      "with PostgreSQL down, /health is 503 and data routes answer 503 problems",
      async () => {
        await env.stack.withPostgresDown(async () => {
          const health = await app.request("/health");
          assert.equal(health.status, 503);
          assert.equal((await health.json()).components.postgres.status, "down");
          const list = await app.request("/machines");
          assert.equal(list.status, 503);
          assert.equal(list.headers.get("content-type"), "application/problem+json");
          await list.body?.cancel();
        });
      },
    );

    await t.step("with NATS gone, /health, /stream and raw events answer 503", async () => {
      const closed = await connect({ servers: env.stack.natsUrl });
      await closed.close();
      const offline = conforming(createApp({
        sql: env.sql,
        nats: closed,
        logger: silentLogger,
        now: () => now,
        settings: { apiKeys: [] },
      }));
      const health = await offline.request("/health");
      assert.equal(health.status, 503);
      const body = await health.json();
      assert.equal(body.components.nats.status, "down");
      assert.equal(body.components.postgres.status, "ok");
      for (const path of ["/stream", "/signals/state_change/1/raw"]) {
        const res = await offline.request(path);
        assert.equal(res.status, 503, path);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
      }
    });

    await t.step("OpenAPI 3.1 lists every route and every reference resolves", async () => {
      const doc = await (await app.request("/openapi.json")).json();
      assert.equal(doc.openapi, "3.1.0");
      for (
        const path of [
          "/signals/{type}",
          "/signals/{type}/latest",
          "/signals/{type}/{id}",
          "/signals/{type}/{id}/raw",
          "/signals/{type}/{id}/raw/metadata",
          "/machines",
          "/machines/{id}",
          "/failures",
          "/stream",
          "/health",
          "/metrics",
          "/admin/replay",
          "/admin/replay/{id}",
        ]
      ) assert.ok(doc.paths[path], path);
      const params = doc.paths["/signals/{type}"].get.parameters.map((p: { name: string }) =>
        p.name
      );
      for (
        const name of ["from", "to", "machine", "limit", "order", "cursor", "bucket", "severity"]
      ) {
        assert.ok(params.includes(name), name);
      }
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(refs.length > 0);
      for (const ref of refs) {
        const name = ref.split("/").at(-1)!.replace('"', "");
        assert.ok(doc.components.schemas[name], ref);
      }
    });

    await t.step(
      "docs render from the API itself, with a CSP that forbids other origins",
      async () => {
        const page = await app.request("/docs");
        assert.equal(page.status, 200);
        const html = await page.text();
        assert.match(html, /<script src="\/docs\/app.js">/);
        assert.doesNotMatch(html, /https?:\/\//);
        assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
        const script = await app.request("/docs/app.js");
        const js = await script.text();
        assert.match(js, /openapi\.json/);
        // Parses as JavaScript (compiled, not run).
        new Function(js);
      },
    );

    await t.step("every response has a request id and security headers", async () => {
      const res = await app.request("/machines", { headers: { "x-request-id": "abc-123" } });
      assert.equal(res.headers.get("x-request-id"), "abc-123");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN");
      assert.match(res.headers.get("content-security-policy")!, /default-src 'none'/);
      const generated = await app.request("/nowhere");
      assert.equal(generated.status, 404);
      assert.ok((generated.headers.get("x-request-id") ?? "").length > 0);
      await Promise.all([res.body?.cancel(), generated.body?.cancel()]);
    });

    await t.step("each request writes exactly one structured access-log line", async () => {
      const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
      const record = (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields });
      const logged = env.app({
        logger: { debug: record, info: record, warn: record, error: record },
      });
      await (await logged.request("/machines?limit=1", { headers: { "x-request-id": "r-1" } }))
        .body?.cancel();
      await (await logged.request("/signals/nope")).body?.cancel();
      const access = lines.filter((line) => line.msg === "request");
      assert.equal(access.length, 2);
      assert.deepEqual(
        { ...access[0]!.fields, ms: 0 },
        {
          requestId: "r-1",
          method: "GET",
          path: "/machines",
          route: "/machines",
          status: 200,
          ms: 0,
        },
      );
      assert.equal(access[1]!.fields!.status, 404);
    });

    await t.step("CORS allows only the configured origins", async () => {
      const cors = env.app({ settings: { apiKeys: [], corsOrigins: ["https://dash.example"] } });
      const allowed = await cors.request("/machines", {
        headers: { origin: "https://dash.example" },
      });
      assert.equal(allowed.headers.get("access-control-allow-origin"), "https://dash.example");
      const other = await cors.request("/machines", {
        headers: { origin: "https://evil.example" },
      });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
      const none = await app.request("/machines", { headers: { origin: "https://dash.example" } });
      assert.equal(none.headers.get("access-control-allow-origin"), null);
      await Promise.all([allowed, other, none].map((r) => r.body?.cancel()));
    });
  } finally {
    await env.close();
  }
});
