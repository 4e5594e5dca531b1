import { deepEqual, equal, ok } from "node:assert/strict";
import { parse } from "yaml";
import type { z } from "zod";
import { ApiEnv } from "../api/config.ts";
import { ProducerEnv } from "../producer/config.ts";
import { ProjectorEnv } from "../projector/config.ts";
import { serviceArgs, type ServiceName } from "./service_command.ts";

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const root = new URL("../", import.meta.url);
const compose = parse(await Deno.readTextFile(new URL("compose.yaml", root)), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
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
  deepEqual(Object.keys(compose.services).sort(), [
    "api",
    "nats",
    "postgres",
    "producer",
    "projector",
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
