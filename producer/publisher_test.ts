import { equal, ok } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { ensureStream } from "../events/mod.ts";
import { startTestStack } from "../dev/stack.ts";
import { generateEvents } from "./fleet.ts";
import { Publisher } from "./publisher.ts";
import { ProducerStats } from "./stats.ts";
import { decodeAll, memoryLogger, readStream } from "../testing/mod.ts";

Deno.test("events sent before the stream exists are retried with the same id and land once", async () => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    // given events published while no stream captures their subjects (JetStream answers 503)
    const stats = new ProducerStats();
    const publisher = new Publisher(nc, { stats, timeoutMs: 1000, logger: memoryLogger() });
    const events = [...generateEvents({ machines: 2, types: ["state_change", "error"] }, {
      fromMs: 0,
      toMs: 60_000,
    })];
    for (const event of events) publisher.send(event);
    while (stats.retries < events.length) await new Promise((r) => setTimeout(r, 20));
    equal(stats.published, 0);
    // when the stream appears
    await ensureStream(await jetstreamManager(nc));
    await publisher.flush(10_000);
    // then every event is stored exactly once
    equal(stats.published, events.length);
    equal(stats.unacked, 0);
    const stored = decodeAll(await readStream(nc));
    equal(stored.length, events.length);
    equal(new Set(stored.map((e) => e.id)).size, events.length);
    ok(stats.retries >= events.length);
  } finally {
    await nc.close();
    await stack.stop();
  }
});
