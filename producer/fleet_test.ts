import fc from "fast-check";
import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { decodeEvent, encodeEvent, SIGNAL_TYPES, type SignalEvent } from "../events/mod.ts";
import { fleetConfig, generateEvents, machineIds, xrayDeviceIds } from "./fleet.ts";
import { loadSensorProfile, SAMPLE_SENSOR_FILE } from "./sensor_profile.ts";

const FROM = Date.parse("2026-11-20T00:00:00Z");
const MINUTE = 60_000;
const profile = await loadSensorProfile(SAMPLE_SENSOR_FILE);
const small = { machines: 3, sensorProfile: profile, xrayMaxPoints: 50 };

Deno.test("the same seed gives the same events, ids included; another seed gives others", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const window = { fromMs: FROM, toMs: FROM + 20_000 };
      const a = [...generateEvents({ ...small, seed }, window)];
      const b = [...generateEvents({ ...small, seed }, window)];
      const c = [...generateEvents({ ...small, seed: seed + 1 }, window)];
      ok(a.length > 500);
      deepEqual(a, b);
      notDeepEqual(a.map((e) => e.id), c.map((e) => e.id));
    }),
    { numRuns: 10 },
  );
});

Deno.test("events come in time order inside the window, with unique ids, each valid under the contract", () => {
  const window = { fromMs: FROM, toMs: FROM + 3 * MINUTE };
  const events = [...generateEvents({ ...small, seed: 1 }, window)];
  const ids = new Set<string>();
  let previous = -Infinity;
  const types = new Set<string>();
  for (const event of events) {
    const t = Date.parse(event.occurredAt);
    ok(t >= window.fromMs && t < window.toMs, event.occurredAt);
    ok(t >= previous, "time order");
    previous = t;
    ids.add(event.id);
    types.add(event.type);
    // the codec round trip applies every zod rule of the contract
    const encoded = encodeEvent(event);
    const decoded = decodeEvent(encoded.bytes, { subject: encoded.subject });
    ok(decoded.ok, decoded.ok ? "" : decoded.error.reason);
    deepEqual(decoded.event, event);
  }
  equal(ids.size, events.length);
  deepEqual([...types].sort(), [...SIGNAL_TYPES].sort());
});

Deno.test("a window holds the expected number of periodic events per machine and device", () => {
  const config = {
    ...small,
    seed: 2,
    powerBatchMs: 200,
    sensorIntervalMs: 2000,
    xrayDevices: 3,
    xrayIntervalMs: 7000,
  };
  const counts = new Map<string, number>();
  for (const e of generateEvents(config, { fromMs: FROM, toMs: FROM + 10 * MINUTE })) {
    const key = `${e.type}/${e.machineId}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const id of machineIds(3)) {
    equal(counts.get(`power/${id}`), (10 * MINUTE) / 200);
    equal(counts.get(`sensor/${id}`), (10 * MINUTE) / 2000);
  }
  for (const id of xrayDeviceIds(3)) {
    equal(counts.get(`xray/${id}`), Math.ceil((10 * MINUTE) / 7000));
  }
  deepEqual(xrayDeviceIds(2), ["xray-01", "xray-02"]);
  deepEqual(machineIds(2), ["m-001", "m-002"]);
});

Deno.test("selecting types leaves the selected events exactly as in a full run", async (t) => {
  const window = { fromMs: FROM, toMs: FROM + 2 * MINUTE };
  const all = [...generateEvents({ ...small, seed: 8 }, window)];
  for (const type of SIGNAL_TYPES) {
    await t.step(type, () => {
      const only = [...generateEvents({ ...small, seed: 8, types: [type] }, window)];
      ok(only.length > 0);
      deepEqual(only, all.filter((e: SignalEvent) => e.type === type));
    });
  }
});

Deno.test("a fleet config the models cannot run with is refused", async (t) => {
  await t.step("power batch not a multiple of 10 ms", () => {
    throws(() => fleetConfig({ powerBatchMs: 15 }), /powerBatchMs/);
  });
  await t.step("failure episodes longest < shortest", () => {
    throws(
      () =>
        fleetConfig({ failure: { probability: 0.1, minCycles: 9, maxCycles: 3, rampCycles: 2 } }),
      /minCycles/,
    );
  });
});
