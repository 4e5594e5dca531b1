import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../dev/nats_server.ts";
import { freePort, waitUntil } from "../dev/ports.ts";
import { createApp } from "./app.ts";
import { conforming } from "./_conformance.ts";
import { createSql } from "./db.ts";
import { idOf, seedErrors, seedMachines } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { silentLogger } from "../testing/mod.ts";

/** The request's answer, or a failure when none comes within `ms`. */
async function answerWithin(
  ms: number,
  request: Response | Promise<Response>,
): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([request, late]);
  } finally {
    clearTimeout(timer);
  }
}

const DB_PATHS = [
  "/machines",
  "/machines/m-001",
  "/failures",
  "/signals/error",
  "/signals/power/latest",
  `/signals/error/${idOf(0, 2)}`,
  `/signals/error/${idOf(0, 2)}/raw`,
  "/stream?machine=m-001",
];

/** Expects a 503 problem with Retry-After. */
async function expectUnavailable(res: Response, what: string): Promise<void> {
  assert.equal(res.status, 503, what);
  assert.equal(res.headers.get("content-type"), "application/problem+json", what);
  assert.match(res.headers.get("retry-after") ?? "", /^\d+$/, what);
  await res.body?.cancel();
}

Deno.test("with PostgreSQL stopped every request answers 503 within 3 s, then recovers", async () => {
  const env = await startTestEnv();
  try {
    const machines = await seedMachines(env.sql, ["idle"]);
    await seedErrors(env.sql, machines, 3);
    const app = env.app();
    await env.stack.withPostgresDown(async () => {
      for (let round = 0; round < 3; round++) {
        for (const path of DB_PATHS) {
          await expectUnavailable(await answerWithin(3000, app.request(path)), path);
        }
        const health = await answerWithin(3000, app.request("/health"));
        assert.equal(health.status, 503);
        const body = await health.json();
        assert.equal(body.status, "down");
        assert.equal(body.components.postgres.status, "down");
        assert.equal(body.components.nats.status, "ok");
      }
    });
    // PostgreSQL is back: the pool reconnects and the circuit closes.
    await waitUntil("the API reads PostgreSQL again", async () => {
      const res = await app.request("/machines");
      await res.body?.cancel();
      return res.status === 200;
    });
  } finally {
    await env.close();
  }
});

Deno.test("a database that accepts connections but never answers cannot hold a request", async () => {
  const env = await startTestEnv();
  // A black hole: it accepts TCP connections and never says a word.
  const hole = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of hole) held.push(conn);
  })();
  const sql = createSql(`postgres://postgres@127.0.0.1:${hole.addr.port}/signals`, {
    max: 2,
    connectTimeoutMs: 1000,
  });
  try {
    const app = conforming(createApp({
      sql,
      nats: env.nats,
      logger: silentLogger,
      settings: { apiKeys: [], healthProbeTimeoutMs: 1500 },
    }));
    // Concurrent requests, more than the pool has connections, and then sequential ones.
    const burst = await Promise.all(
      DB_PATHS.map((path) => answerWithin(3000, app.request(path)).then((res) => [path, res])),
    );
    for (const [path, res] of burst as [string, Response][]) await expectUnavailable(res, path);
    for (const path of DB_PATHS) {
      await expectUnavailable(await answerWithin(3000, app.request(path)), path);
    }
    const health = await answerWithin(3000, app.request("/health"));
    const body = await health.json();
    assert.equal(body.components.postgres.status, "down");
    assert.equal(body.components.nats.status, "ok");
  } finally {
    await sql.end({ timeout: 0 });
    hole.close();
    await accepting.catch(() => {});
    for (const conn of held) {
      try {
        conn.close();
      } catch { /* closed by the client already */ }
    }
    await env.close();
  }
});

Deno.test("with NATS stopped, NATS routes answer 503 within 3 s and the rest still works", async () => {
  const env = await startTestEnv();
  const dataDir = await Deno.makeTempDir({ prefix: "api-nats-outage-" });
  const server = await startNatsServer({ dataDir, port: freePort() });
  const nats = await connect({
    servers: server.url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  try {
    const machines = await seedMachines(env.sql, ["idle"]);
    await seedErrors(env.sql, machines, 3);
    const app = conforming(createApp({
      sql: env.sql,
      nats,
      logger: silentLogger,
      settings: { apiKeys: [] },
    }));
    await server.stop();
    for (const path of ["/stream", `/signals/error/${idOf(0, 2)}/raw`, "/signals/error/1/raw"]) {
      await expectUnavailable(await answerWithin(3000, app.request(path)), path);
    }
    const health = await answerWithin(3000, app.request("/health"));
    assert.equal(health.status, 503);
    const body = await health.json();
    assert.equal(body.components.nats.status, "down");
    assert.equal(body.components.postgres.status, "ok");
    const list = await answerWithin(3000, app.request("/machines"));
    assert.equal(list.status, 200);
    await list.body?.cancel();
  } finally {
    await nats.close();
    await server.stop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await env.close();
  }
});

Deno.test("/health reports a lagging event loop as overload, not as a dependency down", async () => {
  const env = await startTestEnv();
  // Load on this very process: the event loop is busy 300 ms at a time, with 1 ms gaps.
  let spinning: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const spin = () => {
    const until = performance.now() + 300;
    while (performance.now() < until) { /* busy, as a CPU-bound request would be */ }
    if (!stopped) spinning = setTimeout(spin, 1);
  };
  try {
    await env.sql`INSERT INTO projector_status (name, heartbeat_at)
      VALUES ('projector', now() + interval '1 hour')`;
    const app = env.app({
      settings: { apiKeys: [], healthProbeTimeoutMs: 100, overloadLagMs: 150 },
    });
    // Unloaded, no probe is put down to overload (a busy machine may starve this process for a
    // moment: ask again then).
    let idle = await (await app.request("/health")).json();
    await waitUntil("a /health unloaded", async () => {
      idle = await (await app.request("/health")).json();
      return idle.components.postgres.status !== "unknown";
    }).catch(() => {});
    assert.notEqual(idle.components.postgres.status, "unknown", "unloaded, probes answer");
    spinning = setTimeout(spin, 1);
    const res = await app.request("/health");
    const body = await res.json();
    stopped = true;
    clearTimeout(spinning);
    assert.equal(res.status, 200, "overloaded, but alive: nothing to restart");
    assert.equal(body.status, "overloaded");
    assert.equal(body.process.status, "overloaded");
    assert.ok(body.process.eventLoopDelayMs >= 150, JSON.stringify(body.process));
    assert.ok(body.process.inFlight >= 1);
    for (const name of ["postgres", "nats"]) {
      assert.notEqual(body.components[name].status, "down", JSON.stringify(body.components));
    }
  } finally {
    stopped = true;
    clearTimeout(spinning);
    await env.close();
  }
});
