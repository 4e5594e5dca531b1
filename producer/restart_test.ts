import { deepEqual, equal, ok } from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { generateEvents } from "./fleet.ts";
import { DEFAULT_SENSOR_PROFILE } from "./sensor_profile.ts";
import { runProducer } from "./run.ts";
import { fleetOf, type ProducerConfig } from "./settings.ts";
import { ProducerStats } from "./stats.ts";
import { decodeAll, memoryLogger, readStream } from "../testing/mod.ts";

const FROM = Date.parse("2026-11-20T00:00:00Z");

Deno.test("restarting nats-server during a run loses no event and duplicates none", async (t) => {
  for (const kill of [false, true]) {
    await t.step(
      kill ? "killed (SIGKILL) and restarted" : "stopped (SIGTERM) and restarted",
      async () => {
        const stack = await startTestStack();
        try {
          // given 40 minutes of power for 5 machines: 120 000 events, long enough to restart mid-run
          const window = { fromMs: FROM, toMs: FROM + 40 * 60_000 };
          const config: Partial<ProducerConfig> = {
            seed: 5,
            machines: 5,
            types: ["power"],
            ...window,
            publishTimeoutMs: 1500,
          };
          const expected = new Set(
            [...generateEvents(fleetOf(config, DEFAULT_SENSOR_PROFILE), window)].map((e) => e.id),
          );
          const stats = new ProducerStats();
          const run = runProducer(stack.natsUrl, config, { stats, logger: memoryLogger() });
          // when nats-server restarts once 5 000 events are acknowledged
          while (stats.published < 5_000) await new Promise((r) => setTimeout(r, 10));
          await stack.restartNats({ kill });
          const publishedAtRestart = stats.published;
          const counts = await run;
          ok(counts.retries > 0, "some publishes failed during the restart and were retried");
          ok(publishedAtRestart < expected.size, "the restart happened mid-run");
          equal(counts.unacked, 0);
          // then the stream holds every expected id exactly once
          const nc = await connect({ servers: stack.natsUrl });
          try {
            const ids = decodeAll(await readStream(nc)).map((e) => e.id);
            equal(ids.length, expected.size, "no event lost or duplicated");
            deepEqual(new Set(ids), expected);
          } finally {
            await nc.close();
          }
        } finally {
          await stack.stop();
        }
      },
    );
  }
});

Deno.test("shutdown while NATS is down gives up after the flush timeout and reports what stayed unacknowledged", async () => {
  const stack = await startTestStack();
  try {
    // given a live run whose server goes away
    const controller = new AbortController();
    const stats = new ProducerStats();
    const run = runProducer(
      stack.natsUrl,
      { machines: 5, sensorDataFile: null, flushTimeoutMs: 500, publishTimeoutMs: 300 },
      { signal: controller.signal, stats, logger: memoryLogger() },
    );
    while (stats.published < 20) await new Promise((r) => setTimeout(r, 20));
    await stack.nats!.stop();
    while (stats.inFlight === 0) await new Promise((r) => setTimeout(r, 20));
    // when it is stopped
    const stoppedAt = Date.now();
    controller.abort();
    const counts = await run;
    // then it returns soon after the flush timeout, having counted every event once
    ok(Date.now() - stoppedAt < 5000, `took ${Date.now() - stoppedAt} ms`);
    ok(counts.unacked > 0);
    equal(counts.published + counts.unacked, counts.generated);
  } finally {
    await stack.stop();
  }
});
