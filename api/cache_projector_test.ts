import { equal } from "node:assert/strict";
import { loadProjectorConfig, runProjector } from "../projector/mod.ts";
import { publishEvents, silentLogger, testEvent, waitUntil } from "../testing/mod.ts";
import { T0 } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { listenForCommits } from "./read_model_version.ts";

Deno.test("answers follow what the running projector commits, partitioned read models included", async () => {
  const env = await startTestEnv();
  const version = listenForCommits(env.stack.databaseUrl, { pingMs: 200 });
  const stop = new AbortController();
  const config = loadProjectorConfig({
    NATS_URL: env.stack.natsUrl,
    DATABASE_URL: env.stack.databaseUrl,
    LOG_LEVEL: "warn",
  });
  const projector = runProjector(config, stop.signal, { logger: silentLogger });
  try {
    const app = env.app({ readModelVersion: version });
    await waitUntil("the listener", () => Promise.resolve(version.current() !== undefined));
    const read = async (path: string) => await (await app.request(path)).json();
    // given answers read (and cached) before the events
    equal((await read("/signals/power/latest")).data.length, 0);
    equal((await read("/machines")).data.length, 0);
    // when the projector commits power alone (a partitioned read model), then it is seen
    await publishEvents(env.nats, [
      testEvent("power", "m-1", T0, { sampleRateHz: 10, watts: [100, 200] }),
    ]);
    await waitUntil("the power bucket", async () => {
      return (await read("/signals/power/latest")).data.length === 1;
    }, 30_000);
    // and a state change (a whole read model) next
    equal((await read("/machines")).data[0]?.state, undefined);
    await publishEvents(env.nats, [
      testEvent("state_change", "m-1", T0 + 1000, { from: null, to: "running" }),
    ]);
    await waitUntil("the machine", async () => {
      return (await read("/machines")).data[0]?.state === "running";
    }, 30_000);
  } finally {
    stop.abort();
    await projector;
    await version.stop();
    await env.close();
  }
});
