import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { startTestStack } from "../dev/stack.ts";
import { createLogger } from "../lib/mod.ts";
import { loadProjectorConfig, migrate, runProjector } from "../projector/mod.ts";
import { runProducer, xrayDeviceIds } from "../producer/mod.ts";
import { createApp } from "./app.ts";
import { conforming } from "./_conformance.ts";
import { createSql } from "./db.ts";
import { decodeAll, readStream, silentLogger } from "../testing/mod.ts";

const DAY = 86_400_000;
const FROM = Date.parse("2026-11-20T00:00:00Z");
const HALF = FROM + DAY / 2;

interface StreamCounts {
  /** `type/machine/half` → events. */
  events: Map<string, number>;
  /** machine → power samples. */
  samples: Map<string, number>;
}

/** Reads every message of the stream and counts events by type, machine and half-day. */
async function countStream(nc: NatsConnection): Promise<StreamCounts> {
  const counts: StreamCounts = { events: new Map(), samples: new Map() };
  for (const event of decodeAll(await readStream(nc))) {
    const half = Date.parse(event.occurredAt) < HALF ? 0 : 1;
    const key = `${event.type}/${event.machineId}/${half}`;
    counts.events.set(key, (counts.events.get(key) ?? 0) + 1);
    if (event.type === "power") {
      counts.samples.set(
        event.machineId,
        (counts.samples.get(event.machineId) ?? 0) + event.data.watts.length,
      );
    }
  }
  return counts;
}

Deno.test("a backfilled day queried by date range agrees with the stream", async () => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  const sql = createSql(stack.databaseUrl, { timeoutMs: 10_000, max: 4 });
  const stop = new AbortController();
  const logger = createLogger("e2e", "error");
  let projector: Promise<void> | undefined;
  try {
    // given a day of state changes, errors, sensor readings and x-ray scans for 2 machines,
    // and an hour of 100 Hz power, backfilled through the producer
    const day = { seed: 11, machines: 2, fromMs: FROM, toMs: FROM + DAY, sensorDataFile: null };
    await runProducer(stack.natsUrl, {
      ...day,
      types: ["state_change", "error", "sensor", "xray"],
      sensorIntervalMs: 60_000,
      xrayIntervalMs: 60_000,
      xrayMaxPoints: 50,
    }, { logger });
    await runProducer(stack.natsUrl, {
      ...day,
      types: ["power"],
      powerBatchMs: 1000,
      toMs: FROM + 3_600_000,
    }, { logger });
    // and the projector running in process, with the API over the same database
    await migrate(sql);
    projector = runProjector(
      loadProjectorConfig({
        NATS_URL: stack.natsUrl,
        DATABASE_URL: stack.databaseUrl,
        PROJECTOR_STATUS_MS: "200",
      }),
      stop.signal,
      { logger },
    );
    const app = conforming(
      createApp({ sql, nats: nc, logger: silentLogger, settings: { apiKeys: [] } }),
    );

    // when the projector has caught up, as /health reports
    let health: { status: string; components: { projector: { lag: number } } } | undefined;
    for (let i = 0; i < 240; i++) {
      health = await (await app.request("/health")).json();
      if (health?.status === "ok" && health.components.projector.lag === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(health?.components.projector.lag, 0, JSON.stringify(health));
    assert.equal(health?.status, "ok");

    // then every type, machine and half-day window counts what the stream holds
    const stream = await countStream(nc);
    const windows = [[FROM, HALF], [HALF, FROM + DAY]] as const;
    for (const type of ["state_change", "error", "sensor", "xray"]) {
      for (const machine of type === "xray" ? xrayDeviceIds(2) : ["m-001", "m-002"]) {
        for (const [half, [from, to]] of windows.entries()) {
          const expected = stream.events.get(`${type}/${machine}/${half}`) ?? 0;
          const res = await app.request(
            `/signals/${type}?machine=${machine}&from=${
              new Date(from).toISOString()
            }&to=${to}&format=csv`,
          );
          assert.equal(res.status, 200, `${type} ${machine}`);
          const rows = parse(await res.text(), { columns: true }) as unknown[];
          assert.equal(rows.length, expected, `${type} ${machine} half ${half}`);
          if (type === "state_change" || type === "error") assert.ok(expected > 0);
        }
      }
    }
    // and power samples over the hour equal the samples in the stream
    for (const machine of ["m-001", "m-002"]) {
      const res = await app.request(
        `/signals/power?machine=${machine}&bucket=1h&from=${FROM}&to=${FROM + DAY}`,
      );
      const body = await res.json();
      assert.equal(body.data.length, 1);
      assert.equal(body.data[0].samples, stream.samples.get(machine));
      assert.equal(body.data[0].samples, 360_000);
    }
  } finally {
    stop.abort();
    await projector?.catch(() => {});
    await nc.close();
    await sql.end();
    await stack.stop();
  }
});
