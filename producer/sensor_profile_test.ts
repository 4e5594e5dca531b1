import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  DEFAULT_SENSOR_PROFILE,
  learnSensorProfile,
  loadSensorProfile,
  SAMPLE_SENSOR_FILE,
  sensorProfileFor,
} from "./sensor_profile.ts";
import { memoryLogger } from "../testing/mod.ts";

Deno.test("a profile learns mean, spread and bounds from normal rows and patterns from labelled rows", () => {
  // given two normal rows and one labelled failure row
  const rows = [
    { time: "t1", a: "1", b: "10", failure: "" },
    { time: "t2", a: "3", b: "10", failure: "none" },
    { time: "t3", a: "9", b: "30", failure: "overheating" },
  ];
  // when learnt
  const profile = learnSensorProfile(rows, "inline");
  // then the text column is skipped, stats come from normal rows only
  deepEqual(profile.sensors.map((s) => s.name), ["a", "b"]);
  const [a, b] = profile.sensors;
  equal(a!.mean, 2);
  equal(a!.std, Math.SQRT2);
  equal(a!.min, 1 - 0.5 * Math.SQRT2);
  equal(a!.max, 3 + 0.5 * Math.SQRT2);
  ok(b!.std > 0, "a constant column still gets some spread");
  // and the failure pattern is the labelled rows' mean
  deepEqual(profile.failures, { overheating: [9, 30] });
});

Deno.test("a CSV with no numeric column is rejected with the file named", () => {
  throws(() => learnSensorProfile([{ name: "x", failure: "" }], "bad.csv"), /bad\.csv/);
});

Deno.test("the shipped sample CSV yields 20 sensors and three failure types", async () => {
  const profile = await loadSensorProfile(SAMPLE_SENSOR_FILE);
  equal(profile.sensors.length, 20);
  deepEqual(Object.keys(profile.failures).sort(), [
    "bearing_wear",
    "hydraulic_leak",
    "overheating",
  ]);
  const spindle = profile.sensors.find((s) => s.name === "temp_spindle")!;
  ok(Math.abs(spindle.mean - 65) < 1, `temp_spindle mean ${spindle.mean}`);
  const hot = profile.failures.overheating![profile.sensors.indexOf(spindle)]!;
  ok(hot > spindle.mean + 4 * spindle.std, "overheating shows a hot spindle");
});

Deno.test("without a readable CSV the built-in defaults are used, and that is logged", async (t) => {
  const logger = memoryLogger();
  await t.step("missing file", async () => {
    equal(await sensorProfileFor("/nonexistent/sensors.csv", logger), DEFAULT_SENSOR_PROFILE);
    equal(logger.lines.at(-1)?.level, "warn");
  });
  await t.step("no file configured", async () => {
    equal(await sensorProfileFor(null, logger), DEFAULT_SENSOR_PROFILE);
    ok(logger.lines.at(-1)?.msg.includes("built-in"), logger.lines.at(-1)?.msg);
  });
});
