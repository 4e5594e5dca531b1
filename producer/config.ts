/**
 * The producer's configuration: every setting is an environment variable and also a flag
 * (`MACHINES` ↔ `--machines`), flags winning. Parsed once with zod; a bad value stops start-up
 * with a message that names it.
 */
import { z } from "zod";
import { SIGNAL_TYPES, type SignalType, StreamDuplicateWindow } from "../events/mod.ts";
import { ConfigError, type LogLevel, parseEnv, positiveInt, SharedEnv } from "../lib/mod.ts";
import { flagOf, parseDuration, parseFlags, parseTime } from "./_flags.ts";
import { DEFAULT_PRODUCER_CONFIG, type ProducerConfig } from "./settings.ts";
import { XRAY_POINT_LIMIT } from "./xray_model.ts";

const d = DEFAULT_PRODUCER_CONFIG;
const nonNegativeInt = (value: number) =>
  z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .nonnegative("must be 0 or more").default(value);
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (!(ms > 0)) ctx.addIssue({ code: "custom", message: "must be a duration like 30s, 5m or 1h" });
  return ms;
});
const time = z.string().transform((text, ctx) => {
  const ms = parseTime(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time like 2026-11-20T00:00Z" });
  }
  return ms;
});
const types = z.string().transform((text, ctx) => {
  const list = [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
  const bad = list.filter((t) => !(SIGNAL_TYPES as readonly string[]).includes(t));
  if (bad.length || list.length === 0) {
    ctx.addIssue({ code: "custom", message: `must list types from ${SIGNAL_TYPES.join(",")}` });
  }
  return list as SignalType[];
});

/** Every producer variable, with its default; each is also a flag (`MACHINES` ↔ `--machines`). */
export const ProducerEnv = SharedEnv.pick({ NATS_URL: true, SIGNING_KEY: true, LOG_LEVEL: true })
  .extend({
    SEED: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
      .optional().describe(
        "Seed of every random choice, so a run can be repeated; random when unset.",
      ),
    MACHINES: positiveInt(d.machines).refine((n) => n <= 10_000, "must be at most 10000")
      .describe("Number of machines, named m-001, m-002, … (at most 10000)."),
    TYPES: types.default([...SIGNAL_TYPES]).describe(
      `Comma-separated signal types to publish (${SIGNAL_TYPES.join(",")}); ` +
        "the others are still simulated where they drive the rest.",
    ),
    POWER_BATCH_MS: positiveInt(d.powerBatchMs)
      .refine((n) => n % 10 === 0, "must be a multiple of 10 (100 Hz)")
      .refine((n) => n <= 60_000, "must be at most 60000 (one event a minute)")
      .describe("Power samples per event × 10 ms (100 Hz); a multiple of 10."),
    SENSORS: positiveInt(d.sensors).refine((n) => n <= 1000, "must be at most 1000")
      .describe("Sensors per machine (at most 1000)."),
    SENSOR_INTERVAL_MS: positiveInt(d.sensorIntervalMs)
      .describe("Time between two sensor readings, in ms."),
    SENSOR_DATA_FILE: z.string().optional().describe(
      "Reference CSV the sensor statistics are learnt from; `none` uses built-in defaults. " +
        "Unset: the sample shipped in producer/data/.",
    ),
    FAILURE_PROBABILITY: z.coerce.number({ message: "must be a number" })
      .min(0, "must be between 0 and 1").max(1, "must be between 0 and 1")
      .default(d.failure.probability)
      .describe("Chance per sensor cycle that a failure starts on a healthy machine (0–1)."),
    FAILURE_MIN_CYCLES: positiveInt(d.failure.minCycles)
      .describe("Shortest failure episode, in sensor cycles."),
    FAILURE_MAX_CYCLES: positiveInt(d.failure.maxCycles)
      .describe("Longest failure episode, in sensor cycles; at least FAILURE_MIN_CYCLES."),
    FAILURE_RAMP_CYCLES: positiveInt(d.failure.rampCycles)
      .describe("Cycles over which an episode ramps up to the full failure pattern."),
    XRAY_DEVICES: nonNegativeInt(d.xrayDevices).refine((n) => n <= 1000, "must be at most 1000")
      .describe("Number of x-ray devices, named xray-01, … (0–1000)."),
    XRAY_INTERVAL_MS: positiveInt(d.xrayIntervalMs).describe("Time between two scans, in ms."),
    XRAY_MAX_POINTS: positiveInt(d.xrayMaxPoints)
      .refine((n) => n <= XRAY_POINT_LIMIT, `must be at most ${XRAY_POINT_LIMIT}`)
      .describe(`Most points in one scan (1–${XRAY_POINT_LIMIT}).`),
    FROM: time.optional().describe(
      "Backfill from this time (ISO 8601 or epoch ms) as fast as the stream takes it; " +
        "unset runs live.",
    ),
    TO: time.optional().describe(
      "End of the backfill window (excluded); needs FROM. Default: now.",
    ),
    DURATION: duration.optional().describe(
      "Stop after this much simulated time (30s, 5m, 1h, 2d); unset runs until stopped.",
    ),
    COUNT: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
      .positive("must be greater than 0").optional().describe("Stop after this many events."),
    MAX_IN_FLIGHT: positiveInt(d.maxInFlight)
      .describe("Most publishes awaiting their ack at once (backpressure)."),
    PUBLISH_TIMEOUT_MS: positiveInt(d.publishTimeoutMs)
      .describe("How long to wait for an ack before sending again with the same id, in ms."),
    LOG_INTERVAL_MS: positiveInt(d.logIntervalMs)
      .describe("Time between two progress log lines, in ms."),
    FLUSH_TIMEOUT_MS: positiveInt(d.flushTimeoutMs)
      .describe("How long shutdown waits for in-flight acks, in ms."),
    STREAM_MAX_AGE_MS: nonNegativeInt(d.streamMaxAgeMs)
      .describe(
        "Retention of the SIGNALS stream set by the producer, in ms; 0 keeps events forever.",
      ),
    STREAM_MAX_BYTES: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
      .min(-1, "must be -1 (unlimited) or more").default(d.streamMaxBytes)
      .describe("Size limit of the SIGNALS stream in bytes; -1 is unlimited."),
    STREAM_DUPLICATE_WINDOW: StreamDuplicateWindow,
    STREAM_REPLICAS: positiveInt(d.streamReplicas).describe(
      "Copies of the SIGNALS stream in a JetStream cluster: a new stream gets this many, an " +
        "existing one with fewer is raised to it (never lowered). Above 1 needs a cluster.",
    ),
  });

/** The producer's settings: the NATS URL, the log level and the run config. */
export interface ProducerSettings {
  natsUrl: string;
  logLevel: LogLevel;
  config: ProducerConfig;
}

/** Options of {@linkcode loadProducerConfig}. */
export interface LoadProducerOptions {
  /** Command-line flags; each wins over its variable. @default Deno.args */
  args?: readonly string[];
  /** Draws the seed when SEED is unset. @default a random 32-bit integer */
  randomSeed?: () => number;
}

/** Reads flags over env; throws a ConfigError naming the variable (and the flag, when given). */
export function loadProducerConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
  options: LoadProducerOptions = {},
): ProducerSettings {
  const {
    args = Deno.args,
    randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0]!,
  } = options;
  const known = Object.keys(ProducerEnv.shape);
  const flags = parseFlags(args, known);
  let e: z.infer<typeof ProducerEnv>;
  try {
    e = parseEnv(ProducerEnv, { ...env, ...flags });
  } catch (error) {
    if (error instanceof ConfigError && error.variable in flags) {
      const v = error.variable;
      throw new ConfigError(
        v,
        error.message.replace(`Invalid ${v}=`, `Invalid ${flagOf(v)} (${v})=`),
      );
    }
    throw error;
  }
  if (e.TO !== undefined && e.FROM === undefined) {
    throw new ConfigError("TO", "TO needs FROM: set --from too, or use --duration for a live run");
  }
  if (e.FROM !== undefined && e.TO !== undefined && e.TO <= e.FROM) {
    throw new ConfigError(
      "TO",
      `Invalid TO: must be after FROM (${new Date(e.FROM).toISOString()})`,
    );
  }
  if (e.FAILURE_MAX_CYCLES < e.FAILURE_MIN_CYCLES) {
    throw new ConfigError(
      "FAILURE_MAX_CYCLES",
      "Invalid FAILURE_MAX_CYCLES: must be at least FAILURE_MIN_CYCLES",
    );
  }
  const sensorFile = e.SENSOR_DATA_FILE;
  return {
    natsUrl: e.NATS_URL,
    logLevel: e.LOG_LEVEL,
    config: {
      seed: e.SEED ?? randomSeed(),
      machines: e.MACHINES,
      types: e.TYPES,
      powerBatchMs: e.POWER_BATCH_MS,
      sensors: e.SENSORS,
      sensorIntervalMs: e.SENSOR_INTERVAL_MS,
      sensorDataFile: sensorFile === undefined
        ? d.sensorDataFile
        : sensorFile === "none"
        ? null
        : sensorFile,
      failure: {
        probability: e.FAILURE_PROBABILITY,
        minCycles: e.FAILURE_MIN_CYCLES,
        maxCycles: e.FAILURE_MAX_CYCLES,
        rampCycles: e.FAILURE_RAMP_CYCLES,
      },
      xrayDevices: e.XRAY_DEVICES,
      xrayIntervalMs: e.XRAY_INTERVAL_MS,
      xrayMaxPoints: e.XRAY_MAX_POINTS,
      fromMs: e.FROM,
      toMs: e.TO,
      durationMs: e.DURATION,
      count: e.COUNT,
      maxInFlight: e.MAX_IN_FLIGHT,
      publishTimeoutMs: e.PUBLISH_TIMEOUT_MS,
      signingKey: e.SIGNING_KEY,
      logIntervalMs: e.LOG_INTERVAL_MS,
      flushTimeoutMs: e.FLUSH_TIMEOUT_MS,
      streamMaxAgeMs: e.STREAM_MAX_AGE_MS,
      streamMaxBytes: e.STREAM_MAX_BYTES,
      streamDuplicateWindowMs: e.STREAM_DUPLICATE_WINDOW,
      streamReplicas: e.STREAM_REPLICAS,
    },
  };
}
