import { equal, match, ok } from "node:assert/strict";
import { freePort } from "../dev/ports.ts";
import { spawnService, startTestEnv, streamCount, waitUntil } from "../testing/mod.ts";

const producer = (env: Record<string, string>, args: string[] = []) =>
  spawnService("producer/main.ts", { permissions: "producer", env, args });

Deno.test("a bad value stops start-up with exit code 2 and a message naming it", async (t) => {
  await t.step("MACHINES=abc", async () => {
    const run = producer({ MACHINES: "abc" });
    equal(await run.exited, 2);
    match(run.output(), /MACHINES/);
  });
  await t.step("--types power,bogus", async () => {
    const run = producer({}, ["--types", "power,bogus"]);
    equal(await run.exited, 2);
    match(run.output(), /--types \(TYPES\)/);
  });
});

Deno.test("SIGTERM flushes what is in flight, then the producer exits 0", async () => {
  const env = await startTestEnv();
  try {
    // given a live producer that has published for a while
    const run = producer({ NATS_URL: env.stack.natsUrl, MACHINES: "3", LOG_INTERVAL_MS: "500" });
    await waitUntil("50 events in the stream", async () => await streamCount(env.nats) > 50);
    // when it is terminated
    const code = await run.stop("SIGTERM");
    // then it exits 0 and everything it generated is in the stream
    equal(code, 0, run.output());
    const lines = run.output().split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    ok(lines.some((l) => l.msg === "progress" && typeof l.eventsPerSec?.power === "number"));
    const finished = lines.find((l) => l.msg === "producer finished");
    ok(finished, "a final summary is logged");
    equal(finished.unacked, 0);
    equal(finished.published, finished.generated);
    equal(await streamCount(env.nats), finished.published);
  } finally {
    await env.close();
  }
});

Deno.test("SIGTERM while NATS cannot be reached still exits 0", async () => {
  // given a producer waiting for a server that is not there, its signal handlers set
  const run = producer({ NATS_URL: `nats://127.0.0.1:${freePort()}` });
  await waitUntil(
    "the producer to start",
    () => Promise.resolve(/sensor statistics/.test(run.output())),
  );
  // when it is terminated, then it exits 0 (a hang would fail the deadline below)
  run.child.kill("SIGTERM");
  await waitUntil(
    "the producer to exit",
    () => Promise.resolve(run.exitCode() !== undefined),
    10_000,
  );
  equal(run.exitCode(), 0);
  match(run.output(), /producer finished/);
});
