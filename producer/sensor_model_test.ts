import { equal, ok } from "node:assert/strict";
import { createRandom } from "./random.ts";
import {
  createSensorModel,
  DEFAULT_FAILURE,
  type FailureConfig,
  type SensorCycle,
} from "./sensor_model.ts";
import { loadSensorProfile, SAMPLE_SENSOR_FILE } from "./sensor_profile.ts";

const profile = await loadSensorProfile(SAMPLE_SENSOR_FILE);

function run(failure: FailureConfig, cycles: number, seed = 1): SensorCycle[] {
  const model = createSensorModel(profile, { sensors: 20, failure, random: createRandom(seed) });
  return Array.from({ length: cycles }, () => model.step());
}

Deno.test("sensor readings stay near the learnt mean over long runs, within the learnt bounds", () => {
  // given 20 000 healthy cycles
  const cycles = run({ ...DEFAULT_FAILURE, probability: 0 }, 20_000);
  for (const s of profile.sensors) {
    const values = cycles.map((c) => c.readings[s.name]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    // then the mean is within 0.15 standard deviations of the learnt mean
    ok(Math.abs(mean - s.mean) < 0.15 * s.std, `${s.name}: mean ${mean} vs learnt ${s.mean}`);
    ok(values.every((v) => v >= s.min - 1e-4 && v <= s.max + 1e-4), `${s.name} within bounds`);
    // and it drifts rather than jumping: neighbours are closer than independent draws would be
    let step = 0;
    for (let i = 1; i < values.length; i++) step += Math.abs(values[i]! - values[i - 1]!);
    ok(step / values.length < 0.8 * s.std, `${s.name} drifts`);
  }
  equal(cycles.every((c) => c.failure === null), true);
});

interface Episode {
  type: string;
  progress: number[];
  complete: boolean;
}

function episodesOf(cycles: SensorCycle[]): Episode[] {
  const episodes: Episode[] = [];
  let current: Episode | undefined;
  cycles.forEach((c, i) => {
    const f = c.failure;
    const previous = current?.progress.at(-1);
    if (!f) current = undefined;
    else if (!current || f.type !== current.type || f.progress < previous!) {
      current = { type: f.type, progress: [f.progress], complete: i > 0 };
      episodes.push(current);
    } else current.progress.push(f.progress);
  });
  // The last episode may be cut off by the end of the run.
  if (cycles.at(-1)?.failure && episodes.length) episodes.at(-1)!.complete = false;
  return episodes;
}

Deno.test("failure episodes last and ramp as configured", async (t) => {
  const variants: FailureConfig[] = [
    DEFAULT_FAILURE,
    { probability: 0.2, minCycles: 5, maxCycles: 8, rampCycles: 3 },
    { probability: 0.01, minCycles: 40, maxCycles: 40, rampCycles: 20 },
  ];
  for (const failure of variants) {
    await t.step(JSON.stringify(failure), () => {
      // given a long run with failure injection
      const cycles = run(failure, 30_000, 7);
      const episodes = episodesOf(cycles).filter((e) => e.complete);
      ok(episodes.length > 20, `${episodes.length} episodes`);
      for (const e of episodes) {
        // then each lasts min..max cycles
        ok(e.progress.length >= failure.minCycles && e.progress.length <= failure.maxCycles);
        // and ramps linearly to 1 over rampCycles, then holds
        e.progress.forEach((p, k) => {
          const expected = Math.min(1, (k + 1) / failure.rampCycles);
          ok(Math.abs(p - expected) < 1e-3, `cycle ${k}: ${p} vs ${expected}`);
        });
        ok(Object.keys(profile.failures).includes(e.type));
      }
      // and episodes start with the configured probability per healthy cycle
      const healthy = cycles.filter((c) => c.failure === null).length;
      const rate = episodes.length / healthy;
      ok(Math.abs(rate - failure.probability) < 0.3 * failure.probability, `start rate ${rate}`);
    });
  }
});

Deno.test("at full progress a failure shows the pattern learnt from the labelled rows", () => {
  const cycles = run(DEFAULT_FAILURE, 30_000, 3).filter((c) => c.failure?.progress === 1);
  for (const [type, pattern] of Object.entries(profile.failures)) {
    const full = cycles.filter((c) => c.failure?.type === type);
    ok(full.length > 100, type);
    profile.sensors.forEach((s, i) => {
      const mean = full.reduce((sum, c) => sum + c.readings[s.name]!, 0) / full.length;
      ok(Math.abs(mean - pattern[i]!) < 0.1 * s.std, `${type}/${s.name}: ${mean} vs ${pattern[i]}`);
    });
  }
});
