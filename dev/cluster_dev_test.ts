import { equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAM_NAME } from "../events/mod.ts";
import { REGISTRY } from "../projector/registry.ts";
import { DEFAULT_PARTITIONS, unitsOf } from "../projector/partitions.ts";

// The read models and the partitions of the split ones: the units the workers share.
const UNITS = unitsOf(REGISTRY, () => DEFAULT_PARTITIONS).length;
import { freePort, isListening, waitUntil } from "./ports.ts";
import type { SpawnedService } from "../testing/mod.ts";
import { apiKeyOf, freePortRun, getJson, powerRows, startClusterDev, stopDev } from "./_dev_run.ts";

Deno.test({
  name:
    "deno task dev --cluster runs three NATS nodes with the stream at R3, two projector workers and a PostgreSQL replica, and keeps them for the next run",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "signals-dev-cluster-" });
    await Deno.chmod(dataDir, 0o755);
    const nats = await freePortRun(3);
    const routes = await freePortRun(3);
    const pg = await freePortRun(2);
    const api = freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(api),
      NATS_PORT: String(nats),
      NATS_CLUSTER_PORT: String(routes),
      POSTGRES_PORT: String(pg),
    };
    const ports = [nats, nats + 1, nats + 2, routes, routes + 1, routes + 2, pg, pg + 1, api];
    const natsUrls = [0, 1, 2].map((i) => `nats://127.0.0.1:${nats + i}`);
    const url = `http://127.0.0.1:${api}`;
    const runs: SpawnedService[] = [];
    try {
      const first = startClusterDev(env);
      runs.push(first);
      await waitUntil("the API key", () => Promise.resolve(apiKeyOf(first) !== undefined), 90_000);
      ok(first.output().includes(natsUrls.join(",")), "prints the three NATS nodes");
      ok(first.output().includes(`127.0.0.1:${pg + 1}`), "prints the replica");
      await waitUntil("power rows", async () => (await powerRows(url)).length > 0, 60_000);
      // /health shows the three NATS nodes, two workers sharing every read model and the replica
      // the API reads from. Each part arrives on its own timer (the workers' heartbeats share the
      // read models out over a few ticks), so wait for the whole picture, then assert on the last
      // answer, so that a failure shows it.
      type Shown = {
        natsNodes: unknown[];
        workers: { owns: string[] }[];
        replica: { status: string };
      };
      let health = await getJson(`${url}/health`);
      const shownOf = () => (health.body as { cluster?: Shown }).cluster;
      await waitUntil("a healthy system with two workers holding every read model", async () => {
        health = await getJson(`${url}/health`).catch(() => health);
        const shown = shownOf();
        return health.status === 200 && shown?.natsNodes.length === 3 &&
          shown.workers.length === 2 &&
          shown.workers.flatMap((w) => w.owns).length === UNITS &&
          shown.replica.status === "ok";
      }, 90_000).catch(() => {});
      const { status, body } = health;
      const shown = shownOf()!;
      equal(status, 200, JSON.stringify(body));
      equal(shown.natsNodes.length, 3, JSON.stringify(shown));
      equal(shown.workers.length, 2, JSON.stringify(shown));
      equal(shown.workers.flatMap((w) => w.owns).length, UNITS, JSON.stringify(shown));
      equal(shown.replica.status, "ok", JSON.stringify(shown));
      // the stream lives on all three nodes, one of them leading
      const nc = await connect({ servers: natsUrls });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 10_000 });
        const info = await jsm.streams.info(STREAM_NAME);
        equal(info.config.num_replicas, 3);
        equal(info.cluster?.name, "signals");
        equal(info.cluster?.replicas?.length, 2, JSON.stringify(info.cluster));
        ok(info.cluster?.leader);
      } finally {
        await nc.close();
      }
      // and the replica is a hot standby with the projector's rows
      const replica = postgres(`postgres://postgres@127.0.0.1:${pg + 1}/signals`, {
        max: 1,
        onnotice: () => {},
      });
      try {
        const [row] = await replica<{ r: boolean }[]>`SELECT pg_is_in_recovery() AS r`;
        equal(row?.r, true);
        await waitUntil("power rows on the replica", async () => {
          const [c] = await replica<{ n: number }[]>`SELECT count(*)::int AS n FROM power_minutes`;
          return (c?.n ?? 0) > 0;
        }, 30_000);
      } finally {
        await replica.end();
      }
      // and two projector workers share the read models
      const primary = postgres(`postgres://postgres@127.0.0.1:${pg}/signals`, {
        max: 1,
        onnotice: () => {},
      });
      try {
        await waitUntil("two workers holding every unit", async () => {
          const [row] = await primary<{ workers: number; held: number; owners: number }[]>`
            SELECT (SELECT count(*)::int FROM projector_workers
                    WHERE expires_at > clock_timestamp()) AS workers,
              count(*)::int AS held, count(DISTINCT owner)::int AS owners
            FROM projector_leases WHERE expires_at > clock_timestamp()`.catch(() => []);
          return row?.workers === 2 && row.held === UNITS && row.owners === 2;
        }, 30_000);
      } finally {
        await primary.end();
      }
      await stopDev(first, 60_000);
      for (const port of ports) equal(await isListening(port), false, `${port} is closed`);

      const second = startClusterDev(env);
      runs.push(second);
      await waitUntil("the API key", () => Promise.resolve(apiKeyOf(second) !== undefined), 90_000);
      ok((await powerRows(url)).length > 0, "events and views from the first run are still there");
      await stopDev(second, 60_000);
      for (const port of ports) equal(await isListening(port), false, `${port} is closed`);
    } finally {
      for (const run of runs) await run.stop("SIGINT");
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
