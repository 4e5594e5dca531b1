import { deepEqual, equal, ok } from "node:assert/strict";
import type { z } from "zod";
import { ApiEnv } from "../api/config.ts";
import { ProducerEnv } from "../producer/config.ts";
import { ProjectorEnv } from "../projector/config.ts";
import { ReplayEnv } from "../replay/config.ts";
import { serviceArgs, type ServiceName } from "./service_command.ts";
import { parseEnvFile, readCompose } from "./_compose.ts";

const root = new URL("../", import.meta.url);
const composeText = await Deno.readTextFile(new URL("compose.yaml", root));
const clusterEnv = parseEnvFile(await Deno.readTextFile(new URL("compose.cluster.env", root)));
const { file: compose, active } = readCompose(composeText, {});
const { file: cluster, active: clusterActive } = readCompose(composeText, clusterEnv);
const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks as Record<
  string,
  string
>;
const dockerfile = await Deno.readTextFile(new URL("Dockerfile", root));

const APP_SERVICES: Record<string, z.ZodObject> = {
  producer: ProducerEnv,
  projector: ProjectorEnv,
  api: ApiEnv,
};

Deno.test("compose.yaml runs nats, postgres and the three services built from one Dockerfile", () => {
  deepEqual(active, [
    "api",
    "nats",
    "postgres",
    "producer",
    "projector",
    "replay-worker",
  ]);
  ok(compose.services.nats!.command!.includes("-js"), "nats runs with JetStream");
  ok(compose.services.nats!.volumes!.some((v) => v.startsWith("nats-data:")));
  ok(compose.services.postgres!.volumes!.some((v) => v.startsWith("postgres-data:")));
  ok(dockerfile.startsWith("# ") && /^FROM denoland\/deno:/m.test(dockerfile));
  for (const name of Object.keys(APP_SERVICES)) {
    const service = compose.services[name]!;
    equal(service.build, ".", `${name} is built from the one Dockerfile`);
    deepEqual(service.command, ["deno", "task", name]);
    equal(tasks[name], ["deno", ...serviceArgs(name as ServiceName)].join(" "));
    ok(dockerfile.includes(`COPY ${name === "api" ? "api" : name}/`), `image holds ${name}/`);
  }
});

Deno.test("compose runs a replay worker as deno task replay --worker would", () => {
  const worker = compose.services["replay-worker"]!;
  equal(worker.build, ".");
  deepEqual(worker.command, ["deno", "task", "replay", "--worker"]);
  equal(`${tasks.replay} --worker`, ["deno", ...serviceArgs("replay-worker")].join(" "));
  ok(dockerfile.includes("COPY replay/"), "image holds replay/");
  const known = new Set(Object.keys(ReplayEnv.shape));
  for (const variable of Object.keys(worker.environment ?? {})) {
    ok(known.has(variable), `replay-worker sets ${variable}, which the replay does not read`);
  }
  deepEqual(worker.depends_on, {
    nats: { condition: "service_healthy" },
    postgres: { condition: "service_healthy" },
  });
});

Deno.test("compose services wait for healthy dependencies", () => {
  for (const name of ["nats", "postgres", "api"]) {
    ok(compose.services[name]!.healthcheck?.test.length, `${name} has a health check`);
  }
  for (const name of ["projector", "api"]) {
    deepEqual(compose.services[name]!.depends_on, {
      nats: { condition: "service_healthy" },
      postgres: { condition: "service_healthy" },
    });
  }
  equal(compose.services.producer!.depends_on?.nats?.condition, "service_healthy");
});

Deno.test("compose environment names are exactly variables the services' config reads", async (t) => {
  for (const [name, schema] of Object.entries(APP_SERVICES)) {
    await t.step(name, () => {
      const known = new Set(Object.keys(schema.shape));
      for (const variable of Object.keys(compose.services[name]!.environment ?? {})) {
        if (variable === "LOG_LEVEL") continue; // read by lib/log.ts, shared by every service
        ok(known.has(variable), `${name} sets ${variable}, which its config does not read`);
      }
      ok(known.has("NATS_URL"));
    });
  }
  const apiPort = ApiEnv.parse({}).PORT;
  deepEqual(compose.services.api!.ports, [`${apiPort}:${apiPort}`]);
  equal(compose.services.api!.environment!.PORT, String(apiPort));
  deepEqual(compose.services.nats!.ports, ["4222:4222"]);
});

Deno.test("compose profile cluster adds three JetStream nodes and a PostgreSQL replica", () => {
  const nodes = ["nats-1", "nats-2", "nats-3"];
  equal(clusterEnv.COMPOSE_PROFILES, "cluster");
  deepEqual(clusterActive, [...active, ...nodes, "postgres-replica"].sort());
  for (const name of [...nodes, "postgres-replica"]) {
    deepEqual(cluster.services[name]!.profiles, ["cluster"], `${name} only under the profile`);
    ok(cluster.services[name]!.healthcheck?.test.length, `${name} has a health check`);
  }
  // every node routes to all three, under its own name, with its own volume
  for (const name of nodes) {
    const args = cluster.services[name]!.command!;
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    ok(args.includes("-js"));
    equal(after("--cluster_name"), "signals");
    equal(after("--server_name"), name);
    deepEqual(after("--routes")!.split(",").sort(), nodes.map((n) => `nats://${n}:6222`));
    deepEqual(cluster.services[name]!.volumes, [`${name}-data:/data`]);
    ok(name + "-data" in cluster.volumes);
  }
  // the services reach the cluster through all three nodes, and the stream is kept at R3
  const urls = nodes.map((n) => `nats://${n}:4222`).join(",");
  for (const name of Object.keys(APP_SERVICES)) {
    equal(cluster.services[name]!.environment!.NATS_URL, urls, `${name} NATS_URL`);
    equal(compose.services[name]!.environment!.NATS_URL, "nats://nats:4222", `${name} default`);
  }
  for (const name of ["producer", "projector"]) {
    equal(cluster.services[name]!.environment!.STREAM_REPLICAS, "3");
    equal(compose.services[name]!.environment!.STREAM_REPLICAS, "1");
  }
  // two projector workers share the read models under the profile, one otherwise
  equal(Number(cluster.services.projector!.deploy?.replicas), 2);
  equal(Number(compose.services.projector!.deploy?.replicas), 1);
  // the replica is seeded from the primary by PostgreSQL's own tools, and the primary lets it in
  const replica = cluster.services["postgres-replica"]!;
  const script = replica.command!.join("\n");
  ok(/pg_basebackup -h postgres .*-R -X stream/.test(script), script);
  ok(script.includes('"$PGDATA/PG_VERSION"'), "seeds only an empty volume: `$$` is a literal $");
  deepEqual(replica.depends_on, { postgres: { condition: "service_healthy" } });
  deepEqual(replica.volumes, ["postgres-replica-data:/var/lib/postgresql/data"]);
  const hba = compose.services.postgres!.configs!.find((c) => c.source === "replication-hba");
  ok(hba?.target.startsWith("/docker-entrypoint-initdb.d/"));
  ok(/host replication all all/.test(compose.configs!["replication-hba"]!.content!));
});
