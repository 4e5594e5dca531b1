/** The settings of a producer run: their defaults, the fleet they describe, and the time window. */
import { DEFAULT_FLEET, type FleetConfig, type TimeWindow } from "./fleet.ts";
import { SAMPLE_SENSOR_FILE, type SensorProfile } from "./sensor_profile.ts";

/** Everything a producer run needs besides the NATS URL. */
export interface ProducerConfig extends Omit<FleetConfig, "sensorProfile"> {
  /** CSV to learn sensor statistics from; null uses built-in defaults. @default SAMPLE_SENSOR_FILE */
  sensorDataFile: string | null;
  /** Backfill from this time (epoch ms) as fast as possible; unset runs live. @default undefined */
  fromMs?: number;
  /** End of the backfill window (excluded). @default fromMs + durationMs, else now */
  toMs?: number;
  /** Stop after this much simulated time. @default undefined (run until stopped) */
  durationMs?: number;
  /** Stop after this many events. @default undefined */
  count?: number;
  /** Most publishes awaiting an ack. @default 1024 */
  maxInFlight: number;
  /** Ack timeout before a publish is retried, in ms. @default 5000 */
  publishTimeoutMs: number;
  /** Sign every event with this key. @default undefined */
  signingKey?: string;
  /** Time between two progress lines, in ms. @default 5000 */
  logIntervalMs: number;
  /** How long shutdown waits for in-flight acks, in ms. @default 30000 */
  flushTimeoutMs: number;
  /** Stream retention passed to ensureStream; 0 keeps events forever. @default 0 */
  streamMaxAgeMs: number;
  /** Stream size limit; -1 is unlimited. @default -1 */
  streamMaxBytes: number;
  /** Copies of the stream in a JetStream cluster; only ever raised. @default 1 */
  streamReplicas: number;
  /** The stream's duplicate window, in ms. @default 120000 */
  streamDuplicateWindowMs: number;
}

/** Defaults of every producer setting. */
export const DEFAULT_PRODUCER_CONFIG: ProducerConfig = {
  ...(({ sensorProfile: _, ...fleet }) => fleet)(DEFAULT_FLEET),
  sensorDataFile: SAMPLE_SENSOR_FILE,
  maxInFlight: 1024,
  publishTimeoutMs: 5000,
  logIntervalMs: 5000,
  flushTimeoutMs: 30_000,
  streamMaxAgeMs: 0,
  streamMaxBytes: -1,
  streamReplicas: 1,
  streamDuplicateWindowMs: 120_000,
};

/** The simulated window and whether it is paced to the wall clock (live) or not (backfill). */
export function resolveWindow(
  config: Pick<ProducerConfig, "fromMs" | "toMs" | "durationMs">,
  nowMs: number,
): { window: TimeWindow; live: boolean } {
  const { fromMs, toMs, durationMs } = config;
  if (fromMs !== undefined) {
    const end = toMs ?? (durationMs !== undefined ? fromMs + durationMs : nowMs);
    return { window: { fromMs, toMs: end }, live: false };
  }
  const end = durationMs !== undefined ? nowMs + durationMs : undefined;
  return { window: { fromMs: nowMs, toMs: end }, live: true };
}

/** The fleet settings of a producer config with the given sensor profile. */
export function fleetOf(config: Partial<ProducerConfig>, profile: SensorProfile): FleetConfig {
  const c = { ...DEFAULT_PRODUCER_CONFIG, ...config };
  return {
    seed: c.seed,
    machines: c.machines,
    types: c.types,
    powerBatchMs: c.powerBatchMs,
    sensors: c.sensors,
    sensorIntervalMs: c.sensorIntervalMs,
    sensorProfile: profile,
    failure: c.failure,
    xrayDevices: c.xrayDevices,
    xrayIntervalMs: c.xrayIntervalMs,
    xrayMaxPoints: c.xrayMaxPoints,
  };
}
