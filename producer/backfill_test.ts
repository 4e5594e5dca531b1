import { deepEqual, equal, ok } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { SIGNAL_TYPES, STREAM_NAME } from "../events/mod.ts";
import { startTestStack } from "../dev/stack.ts";
import { generateEvents, machineIds, xrayDeviceIds } from "./fleet.ts";
import { loadSensorProfile, SAMPLE_SENSOR_FILE } from "./sensor_profile.ts";
import { runProducer } from "./run.ts";
import { fleetOf, type ProducerConfig } from "./settings.ts";
import { memoryLogger, readStream } from "../testing/mod.ts";

const HOUR = 3_600_000;

Deno.test("a 1-hour backfill for 5 machines gives the right counts with occurredAt inside the window", async () => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    // given one hour of all five types for 5 machines and 2 x-ray devices
    const fromMs = Date.parse("2026-11-20T00:00:00Z");
    const toMs = fromMs + HOUR;
    const config: Partial<ProducerConfig> = { seed: 3, machines: 5, fromMs, toMs };
    // when it is backfilled on the simulated clock
    const counts = await runProducer(stack.natsUrl, config, { logger: memoryLogger() });

    // then power, sensors and x-ray hold exactly their rate × the window
    const expected = { power: 5 * 36_000, sensor: 5 * 3_600, xray: 2 * 720 };
    equal(counts.byType.power, expected.power);
    equal(counts.samples, 5 * 360_000, "100 samples per machine-second");
    equal(counts.byType.sensor, expected.sensor);
    equal(counts.byType.xray, expected.xray);
    // and state changes and errors are what the seeded simulation gives, at their rates
    const profile = await loadSensorProfile(SAMPLE_SENSOR_FILE);
    const simulated = { state_change: 0, error: 0 };
    for (
      const e of generateEvents(fleetOf({ ...config, types: ["state_change", "error"] }, profile), {
        fromMs,
        toMs,
      })
    ) {
      simulated[e.type as "state_change" | "error"]++;
    }
    equal(counts.byType.state_change, simulated.state_change);
    equal(counts.byType.error, simulated.error);
    ok(simulated.state_change >= 5 * 720 && simulated.state_change <= 5 * 3600 * 1.1);
    ok(simulated.error >= 5 * 120 && simulated.error <= 5 * 360 + 5);
    equal(counts.duplicates, 0);

    // and the stream holds those counts per subject
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_NAME, { subjects_filter: ">" });
    const total = Object.values(counts.byType).reduce((a, b) => a + b, 0);
    equal(info.state.messages, total);
    const subjects = info.state.subjects ?? {};
    for (const id of machineIds(5)) {
      equal(subjects[`signals.power.${id}`], 36_000);
      equal(subjects[`signals.sensor.${id}`], 3_600);
    }
    for (const id of xrayDeviceIds(2)) equal(subjects[`signals.xray.${id}`], 720);

    // and every occurredAt lies inside the window
    const seen = new Set<string>();
    for (const m of await readStream(nc)) {
      const { occurredAt, type } = JSON.parse(new TextDecoder().decode(m.data));
      const t = Date.parse(occurredAt);
      ok(t >= fromMs && t < toMs, `${type} at ${occurredAt}`);
      seen.add(type);
    }
    deepEqual([...seen].sort(), [...SIGNAL_TYPES].sort());
  } finally {
    await nc.close();
    await stack.stop();
  }
});
