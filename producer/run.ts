/**
 * Runs the producer in-process: simulate the fleet (live on the wall clock, or a backfill window
 * as fast as the stream takes it) and publish every event exactly once. Used by `main.ts`,
 * integration tests and benchmarks.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { ensureStream, type SignalEvent } from "../events/mod.ts";
import { ConfigError, connectNats, createLogger, type Logger, retry, sleep } from "../lib/mod.ts";
import { generateEvents } from "./fleet.ts";
import { Publisher } from "./publisher.ts";
import { DEFAULT_SENSOR_PROFILE, sensorProfileFor } from "./sensor_profile.ts";
import {
  DEFAULT_PRODUCER_CONFIG,
  fleetOf,
  type ProducerConfig,
  resolveWindow,
} from "./settings.ts";
import { type ProducerCounts, ProducerStats } from "./stats.ts";

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
  const nc = await connectUnlessAborted(natsUrl, logger, signal);
  if (!nc) {
    logger.info("producer finished: stopped before NATS was reached", { ...stats.counts() });
    return stats.counts();
  }
  const ticker = setInterval(() => logger.info("progress", stats.progress()), c.logIntervalMs);
  try {
    await ensureStreamWithRetry(nc, c, { logger, signal });
    const publisher = new Publisher(nc, {
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

/** Connects (waiting for the server as long as it takes), or gives null once `signal` aborts. */
async function connectUnlessAborted(
  natsUrl: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<NatsConnection | null> {
  const connecting = connectNats(natsUrl, { name: "producer", logger });
  if (!signal) return await connecting;
  if (signal.aborted) {
    connecting.then((nc) => nc.close(), () => {});
    return null;
  }
  const aborted = new Promise<null>((resolve) =>
    signal.addEventListener("abort", () => resolve(null), { once: true })
  );
  const nc = await Promise.race([connecting, aborted]);
  // A connection that arrives after the abort is closed at once.
  if (!nc) connecting.then((late) => late.close(), () => {});
  return nc;
}

async function ensureStreamWithRetry(
  nc: NatsConnection,
  c: ProducerConfig,
  o: { logger: Logger; signal?: AbortSignal },
): Promise<void> {
  const retention = {
    maxAgeMs: c.streamMaxAgeMs,
    maxBytes: c.streamMaxBytes,
    duplicateWindowMs: c.streamDuplicateWindowMs,
  };
  const options = { replicas: c.streamReplicas, logger: o.logger };
  await retry(async () => await ensureStream(await jetstreamManager(nc), retention, options), {
    baseMs: 250,
    maxMs: 5000,
    signal: o.signal,
    // A replica count the servers cannot hold is a setting to fix, not an outage to wait out.
    retryable: (error) => !(error instanceof ConfigError),
    onRetry: ({ error, failures }) =>
      o.logger.warn("cannot set up the stream yet; retrying", { error, failures }),
  });
}
