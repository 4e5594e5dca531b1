import { deepEqual, equal, match, throws } from "node:assert/strict";
import { SIGNAL_TYPES } from "../events/mod.ts";
import { ConfigError, DEFAULT_NATS_URL } from "../lib/mod.ts";
import { loadProducerConfig } from "./config.ts";
import { SAMPLE_SENSOR_FILE } from "./sensor_profile.ts";
import { parseDuration, parseTime } from "./_flags.ts";

const load = (args: string[], env: Record<string, string> = {}) =>
  loadProducerConfig(env, { args, randomSeed: () => 77 });

function rejects(args: string[], env: Record<string, string>, variable: string, pattern: RegExp) {
  throws(() => load(args, env), (error: unknown) => {
    equal(error instanceof ConfigError, true, String(error));
    equal((error as ConfigError).variable, variable);
    match((error as Error).message, pattern);
    return true;
  });
}

Deno.test("with nothing set the producer runs live: 10 machines, all five types, 2 x-ray devices", () => {
  const { natsUrl, config } = load([]);
  equal(natsUrl, DEFAULT_NATS_URL);
  equal(config.machines, 10);
  deepEqual(config.types, [...SIGNAL_TYPES]);
  equal(config.xrayDevices, 2);
  equal(config.sensors, 20);
  equal(config.powerBatchMs, 100);
  equal(config.sensorDataFile, SAMPLE_SENSOR_FILE);
  equal(config.seed, 77, "an unset SEED is drawn at random");
  equal(config.fromMs, undefined);
  equal(config.durationMs, undefined);
  deepEqual(config.failure, { probability: 0.05, minCycles: 30, maxCycles: 60, rampCycles: 10 });
});

Deno.test("every flag is also an environment variable, and a flag wins over the variable", async (t) => {
  await t.step("env", () => {
    const { config } = load([], { MACHINES: "4", TYPES: "power,error", SEED: "9" });
    equal(config.machines, 4);
    deepEqual(config.types, ["power", "error"]);
    equal(config.seed, 9);
  });
  await t.step("flags, both spellings", () => {
    const { config } = load(["--machines", "5", "--types=sensor", "--sensor-interval-ms", "250"], {
      MACHINES: "4",
    });
    equal(config.machines, 5);
    deepEqual(config.types, ["sensor"]);
    equal(config.sensorIntervalMs, 250);
  });
  await t.step("bounded and backfill modes", () => {
    equal(load(["--duration", "30s"]).config.durationMs, 30_000);
    equal(load(["--count", "1000"]).config.count, 1000);
    const { config } = load(["--from", "2026-11-20T00:00Z", "--to", "2026-11-21T00:00Z"]);
    equal(config.fromMs, Date.parse("2026-11-20T00:00:00Z"));
    equal(config.toMs, Date.parse("2026-11-21T00:00:00Z"));
  });
  await t.step("SENSOR_DATA_FILE=none uses the built-in statistics", () => {
    equal(load([], { SENSOR_DATA_FILE: "none" }).config.sensorDataFile, null);
  });
});

Deno.test("a bad value stops start-up with a message naming the variable", async (t) => {
  const cases: [string[], Record<string, string>, string, RegExp][] = [
    [[], { MACHINES: "abc" }, "MACHINES", /MACHINES="abc": must be a number/],
    [["--machines", "0"], {}, "MACHINES", /--machines \(MACHINES\)="0"/],
    [[], { TYPES: "power,nope" }, "TYPES", /must list types from/],
    [[], { POWER_BATCH_MS: "15" }, "POWER_BATCH_MS", /multiple of 10/],
    [[], { POWER_BATCH_MS: "120000" }, "POWER_BATCH_MS", /at most 60000/],
    [[], { DURATION: "10" }, "DURATION", /duration like 30s/],
    [[], { FROM: "yesterday" }, "FROM", /ISO 8601/],
    [[], { TO: "2026-11-21T00:00Z" }, "TO", /TO needs FROM/],
    [[], { FROM: "2026-11-21T00:00Z", TO: "2026-11-20T00:00Z" }, "TO", /after FROM/],
    [[], { FAILURE_PROBABILITY: "1.5" }, "FAILURE_PROBABILITY", /between 0 and 1/],
    [[], { FAILURE_MIN_CYCLES: "9", FAILURE_MAX_CYCLES: "3" }, "FAILURE_MAX_CYCLES", /at least/],
    [[], { XRAY_MAX_POINTS: "5000" }, "XRAY_MAX_POINTS", /at most 1000/],
    [[], { NATS_URL: "http://x" }, "NATS_URL", /nats:/],
    [["--bogus", "1"], {}, "BOGUS", /Unknown flag '--bogus'/],
    [["--machines"], {}, "MACHINES", /needs a value/],
  ];
  for (const [args, env, variable, pattern] of cases) {
    await t.step(
      `${args.join(" ")} ${JSON.stringify(env)}`,
      () => rejects(args, env, variable, pattern),
    );
  }
});

Deno.test("durations and times parse in the forms the README shows", () => {
  equal(parseDuration("500ms"), 500);
  equal(parseDuration("1.5h"), 5_400_000);
  equal(parseDuration("2d"), 172_800_000);
  equal(Number.isNaN(parseDuration("5 minutes")), true);
  equal(parseTime("2026-11-20T00:00Z"), Date.parse("2026-11-20T00:00:00.000Z"));
  equal(parseTime("1700000000000"), 1_700_000_000_000);
  equal(Number.isNaN(parseTime("20/11/2026")), true);
});
