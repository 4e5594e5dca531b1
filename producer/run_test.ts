import { deepEqual, equal, ok } from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import type { SignalEvent } from "../events/mod.ts";
import { startTestStack } from "../dev/stack.ts";
import { generateEvents } from "./fleet.ts";
import { loadSensorProfile, SAMPLE_SENSOR_FILE } from "./sensor_profile.ts";
import { runProducer } from "./run.ts";
import { fleetOf, type ProducerConfig } from "./settings.ts";
import { ProducerStats } from "./stats.ts";
import { decodeAll, memoryLogger, readStream, streamCount } from "../testing/mod.ts";

const FROM = Date.parse("2026-11-20T00:00:00Z");
const profile = await loadSensorProfile(SAMPLE_SENSOR_FILE);
const byId = (a: SignalEvent, b: SignalEvent) => a.id.localeCompare(b.id);

Deno.test("a bounded backfill stores exactly the expected events, signed and valid; a re-publish adds nothing", async (t) => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    // given a 30 s window of 3 machines and 2 x-ray devices, signed
    const config: Partial<ProducerConfig> = {
      seed: 21,
      machines: 3,
      xrayMaxPoints: 100,
      fromMs: FROM,
      toMs: FROM + 30_000,
      signingKey: "test-key",
    };
    const expected = [
      ...generateEvents(fleetOf(config, profile), { fromMs: FROM, toMs: FROM + 30_000 }),
    ];
    await t.step("the run stores each expected event once", async () => {
      // when the producer runs
      const counts = await runProducer(stack.natsUrl, config, { logger: memoryLogger() });
      // then the stream holds exactly the expected events, every one valid and signed
      equal(counts.published, expected.length);
      equal(counts.duplicates, 0);
      const stored = decodeAll(await readStream(nc), "test-key");
      equal(new Set(stored.map((e) => e.id)).size, stored.length, "ids are unique");
      deepEqual(stored.sort(byId), [...expected].sort(byId));
    });
    await t.step("a forced re-publish of the same events adds nothing", async () => {
      // when the same seed and window are published again
      const counts = await runProducer(stack.natsUrl, config, { logger: memoryLogger() });
      // then the stream recognises every id and stores nothing new
      equal(counts.published, expected.length);
      equal(counts.duplicates, expected.length);
      equal(await streamCount(nc), expected.length);
    });
  } finally {
    await nc.close();
    await stack.stop();
  }
});

Deno.test("live runs bounded by --duration or --count stop by themselves", async (t) => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  const live = { machines: 2, xrayMaxPoints: 20, sensorDataFile: null, logIntervalMs: 60_000 };
  try {
    await t.step("--duration 2s publishes 2 s of events on the wall clock", async () => {
      const before = Date.now();
      const counts = await runProducer(stack.natsUrl, { ...live, durationMs: 2000 }, {
        logger: memoryLogger(),
      });
      const after = Date.now();
      ok(after - before >= 1900, `took ${after - before} ms`);
      const stored = decodeAll(await readStream(nc));
      equal(stored.length, counts.published);
      // 2 machines × 10 power events a second, for 2 s
      equal(counts.byType.power, 40);
      // The 2 s start once connected (later than `before` on a busy machine) and end by `after`.
      const times = stored.map((e) => Date.parse(e.occurredAt));
      for (const [i, t] of times.entries()) ok(t >= before && t < after, stored[i]!.occurredAt);
      const span = Math.max(...times) - Math.min(...times);
      ok(span < 2000, `events span ${span} ms`);
    });
    await t.step("--count 250 publishes exactly 250 events", async () => {
      const start = await streamCount(nc);
      const counts = await runProducer(stack.natsUrl, { ...live, machines: 10, count: 250 }, {
        logger: memoryLogger(),
      });
      equal(counts.published, 250);
      equal(await streamCount(nc), start + 250);
    });
    await t.step("an abort stops a live run, flushing what is in flight", async () => {
      const controller = new AbortController();
      const stats = new ProducerStats();
      // Counted before the run: acks keep coming while the stream is asked during it.
      const start = await streamCount(nc);
      const run = runProducer(stack.natsUrl, live, {
        signal: controller.signal,
        stats,
        logger: memoryLogger(),
      });
      while (stats.published < 50) await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      const counts = await run;
      equal(counts.unacked, 0);
      equal(counts.generated, counts.published);
      equal(await streamCount(nc), start + counts.published);
    });
  } finally {
    await nc.close();
    await stack.stop();
  }
});

Deno.test("a backfill faster than the stream is held back by the in-flight window", async () => {
  const stack = await startTestStack();
  try {
    // given a simulation far faster than acks come back, and a window of 16
    const stats = new ProducerStats();
    const config = { machines: 5, types: ["power" as const], fromMs: FROM, toMs: FROM + 60_000 };
    const counts = await runProducer(stack.natsUrl, { ...config, maxInFlight: 16 }, {
      stats,
      logger: memoryLogger(),
    });
    // then no more than 16 publishes ever waited for an ack, and nothing was dropped
    equal(stats.peakInFlight, 16);
    equal(counts.published, 5 * 600);
    equal(counts.generated, counts.published);
  } finally {
    await stack.stop();
  }
});
