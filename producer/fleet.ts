/**
 * The fleet simulator: machines (state, errors, power, sensors) and x-ray devices merged into one
 * time-ordered stream of events over a window of simulated time. Pure and seeded: the same
 * config and window give the same events, ids included, with no I/O and no clock.
 */
import { SIGNAL_TYPES, type SignalEvent, type SignalType } from "../events/mod.ts";
import { createMachine } from "./machine_model.ts";
import { createPowerSource, POWER_SAMPLE_MS } from "./power_model.ts";
import { createSensorSource, DEFAULT_FAILURE, type FailureConfig } from "./sensor_model.ts";
import { DEFAULT_SENSOR_PROFILE, type SensorProfile } from "./sensor_profile.ts";
import { createXraySource, XRAY_POINT_LIMIT } from "./xray_model.ts";
import { SourceHeap } from "./_heap.ts";
import type { Source } from "./_source.ts";

/** What to simulate. */
export interface FleetConfig {
  /** Seed of every random choice. @default 1 */
  seed: number;
  /** Number of machines, named `m-001`, `m-002`, …. @default 10 */
  machines: number;
  /** Signal types to emit; the others are still simulated where they drive the rest. @default all */
  types: readonly SignalType[];
  /** Power samples per event × 10 ms; a multiple of 10. @default 100 */
  powerBatchMs: number;
  /** Sensors per machine. @default 20 */
  sensors: number;
  /** Time between two sensor readings, in ms. @default 1000 */
  sensorIntervalMs: number;
  /** Sensor statistics. @default DEFAULT_SENSOR_PROFILE */
  sensorProfile: SensorProfile;
  /** Failure injection. @default DEFAULT_FAILURE */
  failure: FailureConfig;
  /** Number of x-ray devices, named `xray-01`, …. @default 2 */
  xrayDevices: number;
  /** Time between two scans, in ms. @default 5000 */
  xrayIntervalMs: number;
  /** Most points in one scan (1–1000). @default 1000 */
  xrayMaxPoints: number;
}

/** The default fleet: 10 machines with 20 sensors each, 2 x-ray devices, all five types. */
export const DEFAULT_FLEET: FleetConfig = {
  seed: 1,
  machines: 10,
  types: SIGNAL_TYPES,
  powerBatchMs: 100,
  sensors: 20,
  sensorIntervalMs: 1000,
  sensorProfile: DEFAULT_SENSOR_PROFILE,
  failure: DEFAULT_FAILURE,
  xrayDevices: 2,
  xrayIntervalMs: 5000,
  xrayMaxPoints: XRAY_POINT_LIMIT,
};

/** A window of simulated time, epoch ms: `fromMs` included, `toMs` excluded (open when unset). */
export interface TimeWindow {
  fromMs: number;
  toMs?: number;
}

/** The ids of `count` machines: `m-001`, `m-002`, …. */
export function machineIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `m-${String(i + 1).padStart(3, "0")}`);
}

/** The ids of `count` x-ray devices: `xray-01`, `xray-02`, …. */
export function xrayDeviceIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `xray-${String(i + 1).padStart(2, "0")}`);
}

/** The defaults with `overrides` applied, checked for values the models cannot run with. */
export function fleetConfig(overrides: Partial<FleetConfig> = {}): FleetConfig {
  const config = { ...DEFAULT_FLEET, ...overrides };
  if (config.powerBatchMs <= 0 || config.powerBatchMs % POWER_SAMPLE_MS !== 0) {
    throw new RangeError(`powerBatchMs must be a positive multiple of ${POWER_SAMPLE_MS}`);
  }
  const { minCycles, maxCycles, rampCycles } = config.failure;
  if (minCycles < 1 || maxCycles < minCycles || rampCycles < 1) {
    throw new RangeError("failure cycles need 1 <= minCycles <= maxCycles and rampCycles >= 1");
  }
  return config;
}

/** Every event of the fleet in `window`, in time order (ties in a fixed order); lazy. */
export function* generateEvents(
  config: Partial<FleetConfig>,
  window: TimeWindow,
): Generator<SignalEvent> {
  const c = fleetConfig(config);
  const emit = new Set<SignalType>(c.types);
  const toMs = window.toMs ?? Infinity;
  const startMs = window.fromMs;
  const heap = new SourceHeap();
  let rank = 0;
  const add = (source: Source) => {
    const r = rank++;
    if (source.at < toMs) heap.push(source, r);
  };
  for (const id of machineIds(c.machines)) {
    // State and errors always run: they drive power even when they are not emitted.
    const { machine, source } = createMachine(id, { seed: c.seed, startMs });
    add(source);
    if (emit.has("power")) {
      add(createPowerSource(machine, { seed: c.seed, startMs, batchMs: c.powerBatchMs }));
    }
    if (emit.has("sensor") && c.sensors > 0) {
      add(createSensorSource(id, {
        seed: c.seed,
        startMs,
        intervalMs: c.sensorIntervalMs,
        sensors: c.sensors,
        profile: c.sensorProfile,
        failure: c.failure,
      }));
    }
  }
  if (emit.has("xray")) {
    for (const id of xrayDeviceIds(c.xrayDevices)) {
      add(createXraySource(id, {
        seed: c.seed,
        startMs,
        intervalMs: c.xrayIntervalMs,
        maxPoints: c.xrayMaxPoints,
      }));
    }
  }
  const out: SignalEvent[] = [];
  for (let entry = heap.pop(); entry; entry = heap.pop()) {
    entry.source.tick(out);
    for (const event of out) if (emit.has(event.type)) yield event;
    out.length = 0;
    if (entry.source.at < toMs) heap.push(entry.source, entry.rank);
  }
}
