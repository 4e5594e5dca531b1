import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createApp } from "../api/app.ts";
import { measureReplayLag, watchReplica } from "../api/replica.ts";
import { ensureStream } from "../events/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { REGISTRY } from "../projector/registry.ts";
import { DEFAULT_PARTITIONS, unitsOf } from "../projector/partitions.ts";
import { lowestCheckpoint } from "../projector/store/checkpoints.ts";
import { publishEvents, silentLogger, spawnService, workload } from "../testing/mod.ts";
import { freePort, waitUntil } from "./ports.ts";
import { startTestStack } from "./stack.ts";

const READS = [
  "/machines",
  "/machines/m-001",
  "/failures",
  "/signals/state_change?limit=50",
  "/signals/error?limit=50",
  "/signals/error/latest",
  "/signals/power?bucket=1h&limit=50",
  "/signals/power/latest?machine=m-001&limit=5",
  "/signals/sensor?limit=50",
  "/signals/xray?limit=20",
  "/signals/state_change?format=csv",
];

Deno.test({
  name:
    "the API on the read replica answers like the API on the primary once replication caught up",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startTestStack({ postgresReplica: true });
    const primary = postgres(stack.databaseUrl, { max: 4, onnotice: () => {} });
    const replica = postgres(stack.databaseReadUrl!, { max: 4, onnotice: () => {} });
    const nc = await connect({ servers: stack.natsUrl });
    const projector = spawnService("projector/main.ts", {
      permissions: "projector",
      env: { NATS_URL: stack.natsUrl, DATABASE_URL: stack.databaseUrl, LOG_LEVEL: "warn" },
    });
    const watch = watchReplica(replica, { intervalMs: 100 });
    try {
      // given events projected on the primary
      await migrate(primary);
      await ensureStream(await jetstreamManager(nc));
      const stored = await publishEvents(nc, workload(3000, { machines: 5 }));
      const last = stored.at(-1)!.seq;
      const names = REGISTRY.map((d) => d.name);
      // (the worker holds the read models, the heavy ones in partitions)
      const units = unitsOf(REGISTRY, () => DEFAULT_PARTITIONS).map((d) => d.name);
      await waitUntil(
        "the projector",
        async () => (await lowestCheckpoint(primary, names)) >= last,
      );
      // when the replica has replayed them
      await waitUntil("the replica", async () => {
        return (await lowestCheckpoint(replica, names).catch(() => 0)) >= last;
      }, 30_000);
      // (the projector's heartbeats and lease renewals keep the primary writing: a little lag stays)
      let state = watch.state();
      await waitUntil("the watcher", () => Promise.resolve((state = watch.state()).usable));
      ok(state.lagMs! < 5000, `lag ${state.lagMs} ms`);
      // then every read answers the same on both
      const now = () => new Date("2026-12-01T00:00:00Z");
      const deps = { nats: nc, logger: silentLogger, now, settings: { apiKeys: [] } };
      const onPrimary = createApp({ ...deps, sql: primary });
      const onReplica = createApp({ ...deps, sql: replica });
      for (const path of READS) {
        const [a, b] = await Promise.all([onPrimary.request(path), onReplica.request(path)]);
        equal(a.status, 200, `${path} on the primary: ${await a.clone().text()}`);
        equal(b.status, a.status, path);
        deepEqual(await b.text(), await a.text(), path);
      }
      // and the replica refuses writes: the API cannot write through it by mistake
      await rejects(replica`DELETE FROM dead_letters`, /read-only transaction/);
      ok(watch.state().checkedAt);
      // and /health shows the replica, the worker and what it holds, and the NATS node
      const watched = createApp({ ...deps, sql: replica, replica: watch });
      let health = await (await watched.request("/health")).json();
      // The worker's status row says what it holds at its next heartbeat, then reaches the replica;
      // the watcher measures the replica's lag on its own timer. Wait for both, then assert on the
      // last answer, so that a failure shows it.
      await waitUntil("the worker's holdings on the replica", async () => {
        health = await (await watched.request("/health")).json();
        return health.cluster.workers[0]?.owns.length === units.length &&
          health.cluster.replica.status === "ok";
      }).catch(() => {});
      equal(health.cluster.replica.status, "ok", JSON.stringify(health.cluster));
      equal(health.cluster.replica.maxLagMs, 5000);
      equal(health.cluster.workers.length, 1);
      deepEqual(health.cluster.workers[0].owns, units.toSorted());
      equal(health.cluster.natsNodes.length, 1);
      equal((await watched.request("/machines")).status, 200);
      // and /admin writes through the primary while reads go to the replica
      const admin = "admin-key-01";
      const withAdmin = createApp({
        ...deps,
        settings: { apiKeys: [{ key: admin, role: "admin" }] },
        sql: replica,
        primarySql: primary,
        replica: watch,
      });
      const queued = await withAdmin.request("/admin/replay", {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ projection: "power_minutes" }),
      });
      equal(queued.status, 202, await queued.clone().text());
      // and a replica that cannot be reached pauses reads with a 503 that says why
      const gone = postgres(`postgres://postgres@127.0.0.1:${freePort()}/signals`, {
        max: 1,
        connect_timeout: 1,
        onnotice: () => {},
      });
      const goneWatch = watchReplica(gone, { intervalMs: 60_000 });
      try {
        equal((await goneWatch.check()).usable, false);
        const paused = createApp({ ...deps, sql: gone, replica: goneWatch });
        const refused = await paused.request("/machines");
        equal(refused.status, 503);
        equal(refused.headers.get("content-type"), "application/problem+json");
        ok(refused.headers.get("retry-after"));
        ok((await refused.json()).detail.includes("replica unavailable"));
        const unhealthy = await paused.request("/health");
        equal(unhealthy.status, 503);
        equal((await unhealthy.json()).cluster.replica.status, "down");
      } finally {
        goneWatch.stop();
        await gone.end();
      }
    } finally {
      watch.stop();
      await projector.stop("SIGTERM");
      await nc.close();
      await primary.end();
      await replica.end();
      await stack.stop();
    }
  },
});

Deno.test("a database that is not a standby is refused as DATABASE_READ_URL", async () => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await rejects(measureReplayLag(sql), /not a standby/);
    const watch = watchReplica(sql, { intervalMs: 50 });
    const state = await watch.check();
    watch.stop();
    equal(state.usable, false);
    ok(state.reason?.includes("not a standby"), state.reason);
  } finally {
    await sql.end();
    await stack.stop();
  }
});
