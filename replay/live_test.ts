import { deepEqual, equal, ok } from "node:assert/strict";
import type { PowerEvent } from "../events/mod.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import { runProjector } from "../projector/runner.ts";
import { readViews } from "../projector/store/read_views.ts";
import { rebuild } from "./rebuild.ts";
import { cleanViews, publish, TEST_KEY } from "./_testing.ts";
import { fleetEvents, readStream, silentLogger, startTestEnv, T0 } from "../testing/mod.ts";

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("rebuilds while the producer publishes and the live projector runs lose and double nothing", async () => {
  const env = await startTestEnv();
  const stop = new AbortController();
  let projector: Promise<void> | undefined;
  let producer: Promise<number> | undefined;
  try {
    // given history, and a live projector running
    let published = await publish(env.nats, fleetEvents(240, { fromMs: T0 }), {
      poisonEvery: 500,
    });
    projector = runProjector(
      {
        natsUrl: env.stack.natsUrl,
        databaseUrl: env.stack.databaseUrl,
        signingKey: TEST_KEY,
        batchSize: 300,
        lingerMs: 5,
        consumerName: "projector",
        statusIntervalMs: 1000,
      },
      stop.signal,
      { logger: silentLogger },
    );
    // and a producer that keeps publishing in small bursts while the rebuilds run
    const more = fleetEvents(120, { fromMs: T0 + 240_000, seed: 9 });
    producer = (async () => {
      let sent = 0;
      for (let i = 0; i < more.length; i += 40) {
        sent += await publish(env.nats, more.slice(i, i + 40), { poisonEvery: 100 });
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      return sent;
    })();
    const deps = { sql: env.sql, nats: env.nats, signingKey: TEST_KEY, logger: silentLogger };

    // when all is rebuilt, then power_minutes and failures from a recent point, mid-stream
    const all = await rebuild(deps, { projection: "all" }, { batchSize: 500 });
    const power = await rebuild(deps, {
      projection: "power_minutes",
      fromSeq: all.checkpoint - 200,
    });
    const failures = await rebuild(deps, { projection: "failures", fromSeq: all.checkpoint - 400 });
    published += await producer;
    producer = undefined;
    ok(all.checkpoint < published, "the first swap happened while events were still coming");
    equal(power.plans[0]!.mode, "partial");
    equal(failures.plans[0]!.mode, "partial");

    // then, once the live projector has caught up, every view equals one clean projection
    await until("the live projector to catch up", async () => {
      const rows = await env.sql`SELECT min(last_seq) AS seq FROM projection_checkpoints`;
      return Number(rows[0]!.seq) === published;
    });
    const views = await readViews(env.sql);
    deepEqual(views, await cleanViews(env.nats));
    // (of a live projector that wrote power_minutes in four partitions, each swapped in)
    const units = await env.sql<{ projection: string }[]>`
      SELECT projection FROM projection_checkpoints WHERE projection LIKE 'power_minutes%'
      ORDER BY projection`;
    deepEqual(units.map((u) => u.projection), [0, 1, 2, 3].map((i) => `power_minutes#${i}`));
    // and the event and sample counts equal the stream's
    const { events } = decodeBatch(await readStream(env.nats), { signingKey: TEST_KEY });
    const count = (type: string) => events.filter((e) => e.event.type === type).length;
    equal(views.state_changes.size, count("state_change"));
    equal(views.errors.size, count("error"));
    equal(views.sensor_readings.size, count("sensor"));
    equal(views.xray_scans.size, count("xray"));
    const samples = events.filter((e) => e.event.type === "power")
      .reduce((n, e) => n + (e.event as PowerEvent).data.watts.length, 0);
    const stored = [...views.power_minutes.values()].reduce((n, row) => n + row.samples, 0);
    equal(stored, samples);
  } finally {
    await producer?.catch(() => {});
    stop.abort();
    await projector;
    await env.close();
  }
});
