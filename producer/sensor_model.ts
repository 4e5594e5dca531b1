/**
 * The multi-sensor model: each reading drifts as a random walk that reverts to the learnt mean
 * and stays within the learnt bounds; failure episodes start at random and ramp linearly towards
 * a learnt failure pattern. Every event carries the ground truth.
 */
import type { SensorEvent } from "../events/mod.ts";
import type { SensorProfile, SensorStats } from "./sensor_profile.ts";
import { makeEvent, type Source } from "./_source.ts";
import { createRandom, deriveSeed, gaussian, intBetween, type Random, round } from "./random.ts";

/** How failure episodes are injected. */
export interface FailureConfig {
  /** Chance per cycle that a failure starts on a healthy machine. @default 0.05 */
  probability: number;
  /** Shortest episode, in cycles. @default 30 */
  minCycles: number;
  /** Longest episode, in cycles. @default 60 */
  maxCycles: number;
  /** Cycles over which an episode ramps linearly to the full failure pattern. @default 10 */
  rampCycles: number;
}

/** The failure settings of the issue: 5 % per cycle, 30–60 cycles, a 10-cycle ramp. */
export const DEFAULT_FAILURE: FailureConfig = {
  probability: 0.05,
  minCycles: 30,
  maxCycles: 60,
  rampCycles: 10,
};

/** Share of the distance to the mean a reading recovers each cycle. */
export const MEAN_REVERSION = 0.1;

/** One cycle's output: the readings and the ground truth. */
export type SensorCycle = SensorEvent["data"];

/** A machine's sensors, advanced one cycle at a time. */
export interface SensorModel {
  readonly sensors: readonly SensorStats[];
  step(): SensorCycle;
}

/** The first `count` sensors of the profile; beyond its columns, they repeat with a suffix. */
export function sensorsOf(profile: SensorProfile, count: number): SensorStats[] {
  const n = profile.sensors.length;
  return Array.from({ length: count }, (_, i) => {
    const stats = profile.sensors[i % n]!;
    return i < n ? stats : { ...stats, name: `${stats.name}_${Math.floor(i / n) + 1}` };
  });
}

/** A sensor model drawing from `random`. */
export function createSensorModel(
  profile: SensorProfile,
  options: { sensors: number; failure: FailureConfig; random: Random },
): SensorModel {
  const { failure, random } = options;
  const sensors = sensorsOf(profile, options.sensors);
  const n = profile.sensors.length;
  const failureTypes = Object.keys(profile.failures);
  // Noise scaled so the walk's stationary spread equals the learnt standard deviation.
  const keep = 1 - MEAN_REVERSION;
  const noise = Math.sqrt(1 - keep * keep);
  const values = sensors.map((s) => clamp(s.mean + s.std * gaussian(random), s));
  let episode: { type: string; cycles: number; cycle: number } | null = null;

  const step = (): SensorCycle => {
    for (let i = 0; i < sensors.length; i++) {
      const s = sensors[i]!;
      values[i] = clamp(
        s.mean + keep * (values[i]! - s.mean) + s.std * noise * gaussian(random),
        s,
      );
    }
    if (!episode && failureTypes.length > 0 && random() < failure.probability) {
      const type = failureTypes[Math.floor(random() * failureTypes.length)]!;
      episode = {
        type,
        cycles: intBetween(random, [failure.minCycles, failure.maxCycles]),
        cycle: 0,
      };
    }
    const readings: Record<string, number> = {};
    let truth: SensorCycle["failure"] = null;
    if (episode) {
      const progress = Math.min(1, (episode.cycle + 1) / failure.rampCycles);
      const pattern = profile.failures[episode.type]!;
      for (let i = 0; i < sensors.length; i++) {
        const s = sensors[i]!;
        const target = pattern[i % n]! + 0.1 * s.std * gaussian(random);
        readings[s.name] = round((1 - progress) * values[i]! + progress * target, 4);
      }
      truth = { type: episode.type, progress: round(progress, 4) };
      episode.cycle++;
      if (episode.cycle >= episode.cycles) episode = null;
    } else {
      for (let i = 0; i < sensors.length; i++) readings[sensors[i]!.name] = round(values[i]!, 4);
    }
    return { readings, failure: truth };
  };
  return { sensors, step };
}

/** The sensor source of one machine: one `sensor` event per `intervalMs`. */
export function createSensorSource(
  machineId: string,
  options: {
    seed: number;
    startMs: number;
    intervalMs: number;
    sensors: number;
    profile: SensorProfile;
    failure: FailureConfig;
  },
): Source {
  const random = createRandom(deriveSeed(options.seed, `${machineId}/sensor`));
  const model = createSensorModel(options.profile, { ...options, random });
  const source: Source = {
    at: options.startMs,
    tick(out) {
      out.push(
        makeEvent("sensor", { machineId, timeMs: source.at, data: model.step(), random }),
      );
      source.at += options.intervalMs;
    },
  };
  return source;
}

function clamp(value: number, s: SensorStats): number {
  return Math.min(s.max, Math.max(s.min, value));
}
