import { equal, match } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAM_NAME } from "../events/mod.ts";
import { serviceArgs, type ServiceName } from "./service_command.ts";
import { freePort } from "./ports.ts";
import { startTestStack } from "./stack.ts";

const ROOT = new URL("../", import.meta.url);

async function runService(name: ServiceName, env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: serviceArgs(name),
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: "warn" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("every service stops with exit 2 naming a malformed entry of a NATS_URL list", async (t) => {
  const list = "nats://127.0.0.1:4222,nats//127.0.0.1:4223";
  for (const name of ["producer", "projector", "api"] as const) {
    await t.step(name, async () => {
      const { code, stderr } = await runService(name, { NATS_URL: list });
      equal(code, 2, stderr);
      match(stderr, /NATS_URL/);
      match(stderr, /entry 2 of 2 "nats\/\/127\.0\.0\.1:4223"/);
    });
  }
});

Deno.test("a NATS_URL list with unreachable servers connects through the reachable one", async () => {
  const stack = await startTestStack();
  const dead = [freePort(), freePort()].map((port) => `nats://127.0.0.1:${port}`);
  try {
    // given two servers that are down and one that is up, when the producer publishes 30 events
    const natsUrl = [dead[0], stack.natsUrl, dead[1]].join(",");
    const { code, stderr } = await runService("producer", { NATS_URL: natsUrl, COUNT: "30" });
    equal(code, 0, stderr);
    // then all of them are in the stream
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(STREAM_NAME);
      equal(info.state.messages, 30);
    } finally {
      await nc.close();
    }
  } finally {
    await stack.stop();
  }
});

Deno.test("STREAM_REPLICAS=2 on a single server stops producer and projector with a clear message", async () => {
  const stack = await startTestStack();
  try {
    for (const name of ["producer", "projector"] as const) {
      const env = {
        NATS_URL: stack.natsUrl,
        DATABASE_URL: stack.databaseUrl,
        STREAM_REPLICAS: "2",
      };
      const { code, stderr } = await runService(name, env);
      equal(code, 2, `${name}: ${stderr}`);
      match(
        stderr,
        /Invalid STREAM_REPLICAS=2: 2 copies of stream SIGNALS need a JetStream cluster/,
      );
    }
  } finally {
    await stack.stop();
  }
});
