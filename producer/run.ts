/**
 * Runs the producer in-process: simulate the fleet (live on the wall clock, or a backfill window
 * as fast as the stream takes it) and publish every event exactly once. Used by `main.ts`,
 * integration tests and benchmarks.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStream, type SignalEvent } from "../events/mod.ts";
import { backoffDelay, connectNats, createLogger, type Logger, sleep } from "../lib/mod.ts";
import { DEFAULT_FLEET, type FleetConfig, generateEvents, type TimeWindow } from "./fleet.ts";
import { Publisher } from "./publisher.ts";
import {
  DEFAULT_SENSOR_PROFILE,
  loadSensorProfile,
  SAMPLE_SENSOR_FILE,
  type SensorProfile,
} from "./sensor_profile.ts";
import { type ProducerCounts, ProducerStats } from "./stats.ts";

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
};

/** Options of {@linkcode runProducer}. */
export interface RunOptions {
  /** Stops the run: generation ends, in-flight publishes are flushed. @default never */
  signal?: AbortSignal;
  /** @default createLogger("producer") */
  logger?: Logger;
  /** Counters to update, e.g. to watch a run from a test. @default new ProducerStats() */
  stats?: ProducerStats;
  /** Wall clock in epoch ms, for live pacing. @default Date.now */
  now?: () => number;
}

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

/** Loads the sensor profile of `path`; falls back to built-in defaults, and says so. */
export async function sensorProfileFor(
  path: string | null,
  logger: Logger,
): Promise<SensorProfile> {
  if (path === null) {
    logger.info("no SENSOR_DATA_FILE: using built-in sensor statistics");
    return DEFAULT_SENSOR_PROFILE;
  }
  try {
    const profile = await loadSensorProfile(path);
    logger.info("sensor statistics learnt", {
      file: path,
      sensors: profile.sensors.length,
      failureTypes: Object.keys(profile.failures),
    });
    return profile;
  } catch (error) {
    logger.warn("cannot learn sensor statistics: using built-in defaults", { file: path, error });
    return DEFAULT_SENSOR_PROFILE;
  }
}

/** Simulates and publishes until the window ends, `count` is reached or `signal` aborts. */
export async function runProducer(
  natsUrl: string,
  config: Partial<ProducerConfig>,
  options: RunOptions = {},
): Promise<ProducerCounts> {
  const c = { ...DEFAULT_PRODUCER_CONFIG, ...config };
  const { signal, now = Date.now } = options;
  const logger = options.logger ?? createLogger("producer");
  const stats = options.stats ?? new ProducerStats();
  const profile = c.types.includes("sensor")
    ? await sensorProfileFor(c.sensorDataFile, logger)
    : DEFAULT_SENSOR_PROFILE;
  const fleet = fleetOf(c, profile);
  const nc = await connectNats(natsUrl, { name: "producer", logger, noAsyncTraces: true });
  const ticker = setInterval(() => logger.info("progress", stats.progress()), c.logIntervalMs);
  try {
    await ensureStreamWithRetry(nc, c, { logger, signal });
    const publisher = new Publisher(jetstream(nc, { timeout: c.publishTimeoutMs }), {
      stats,
      maxInFlight: c.maxInFlight,
      timeoutMs: c.publishTimeoutMs,
      signingKey: c.signingKey,
      logger,
    });
    const { window, live } = resolveWindow(c, now());
    logger.info("producing", {
      mode: live ? "live" : "backfill",
      from: new Date(window.fromMs).toISOString(),
      to: window.toMs === undefined ? null : new Date(window.toMs).toISOString(),
      count: c.count ?? null,
      machines: c.machines,
      xrayDevices: c.xrayDevices,
      types: c.types,
      seed: c.seed,
      signed: Boolean(c.signingKey),
    });
    try {
      await pump(generateEvents(fleet, window), publisher, {
        live,
        count: c.count,
        now,
        signal,
        stats,
      });
    } finally {
      await publisher.flush(c.flushTimeoutMs);
    }
  } finally {
    clearInterval(ticker);
    await nc.close();
  }
  const counts = stats.counts();
  logger.info("producer finished", { ...counts });
  return counts;
}

async function pump(
  events: Iterable<SignalEvent>,
  publisher: Publisher,
  o: {
    live: boolean;
    count?: number;
    now: () => number;
    signal?: AbortSignal;
    stats: ProducerStats;
  },
): Promise<void> {
  for (const event of events) {
    if (o.signal?.aborted || (o.count !== undefined && o.stats.generated >= o.count)) return;
    if (o.live) {
      const wait = Date.parse(event.occurredAt) - o.now();
      if (wait > 0) await sleep(wait, o.signal);
      if (o.signal?.aborted) return;
    }
    // Only wait when the window is full: a run of sends in one task leaves in one socket write.
    if (!publisher.hasRoom && !await publisher.waitForRoom(o.signal)) return;
    publisher.send(event);
    o.stats.generated++;
  }
}

async function ensureStreamWithRetry(
  nc: Awaited<ReturnType<typeof connectNats>>,
  c: ProducerConfig,
  o: { logger: Logger; signal?: AbortSignal },
): Promise<void> {
  const retention = { maxAgeMs: c.streamMaxAgeMs, maxBytes: c.streamMaxBytes };
  for (let attempt = 0;; attempt++) {
    try {
      await ensureStream(await jetstreamManager(nc), retention);
      return;
    } catch (error) {
      if (o.signal?.aborted) throw error;
      o.logger.warn("cannot set up the stream yet; retrying", { error, attempt });
      await sleep(backoffDelay(attempt, { baseMs: 250, maxMs: 5000 }), o.signal);
    }
  }
}
