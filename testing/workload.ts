/**
 * Test workloads, all from the producer's own simulation (`generateEvents`): seeded, so a test
 * sees the same events on every run, and shaped like what production publishes.
 */
import type { SignalEvent } from "../events/mod.ts";
import { type FleetConfig, generateEvents } from "../producer/mod.ts";

/** The start of simulated time in tests: 2026-11-23T10:00:00Z. */
export const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/** Options of {@linkcode fleetEvents} and {@linkcode workload}. */
export interface WorkloadOptions extends Partial<FleetConfig> {
  /** Start of simulated time, epoch ms. @default T0 */
  fromMs?: number;
}

/**
 * A small fleet, light enough for integration tests: 3 sensors a machine and x-ray scans of at
 * most 20 points. @default seed 7, 3 machines, 1 x-ray device
 */
function testFleet(options: WorkloadOptions): Partial<FleetConfig> {
  const { fromMs: _, ...fleet } = options;
  return { seed: 7, machines: 3, xrayDevices: 1, sensors: 3, xrayMaxPoints: 20, ...fleet };
}

/** Every event of a small test fleet over `seconds` of simulated time from `fromMs`. */
export function fleetEvents(seconds: number, options: WorkloadOptions = {}): SignalEvent[] {
  const fromMs = options.fromMs ?? T0;
  return [...generateEvents(testFleet(options), { fromMs, toMs: fromMs + seconds * 1000 })];
}

/** The first `count` events of a small test fleet from `fromMs`, whatever time they span. */
export function workload(count: number, options: WorkloadOptions = {}): SignalEvent[] {
  const events: SignalEvent[] = [];
  if (count <= 0) return events;
  for (const event of generateEvents(testFleet(options), { fromMs: options.fromMs ?? T0 })) {
    events.push(event);
    if (events.length >= count) break;
  }
  return events;
}
