/**
 * The producer's configuration: every setting is an environment variable and also a flag
 * (`MACHINES` ↔ `--machines`), flags winning. Parsed once with zod; a bad value stops start-up
 * with a message that names it.
 */
import { z } from "zod";
import { SIGNAL_TYPES, type SignalType } from "../events/mod.ts";
import { ConfigError, optionalUrl, parseEnv, positiveInt } from "../lib/mod.ts";
import { flagOf, parseDuration, parseFlags, parseTime } from "./_flags.ts";
import { DEFAULT_PRODUCER_CONFIG, type ProducerConfig } from "./settings.ts";
import { XRAY_POINT_LIMIT } from "./xray_model.ts";

/** Where the producer publishes when NATS_URL is unset. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

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

/** Every producer variable, with its default. */
export const ProducerEnv = z.object({
  NATS_URL: optionalUrl(["nats:", "tls:"]),
  SIGNING_KEY: z.string().optional(),
  SEED: z.coerce.number({ message: "must be a number" }).int("must be a whole number").optional(),
  MACHINES: positiveInt(d.machines).refine((n) => n <= 10_000, "must be at most 10000"),
  TYPES: types.default([...SIGNAL_TYPES]),
  POWER_BATCH_MS: positiveInt(d.powerBatchMs)
    .refine((n) => n % 10 === 0, "must be a multiple of 10 (100 Hz)")
    .refine((n) => n <= 60_000, "must be at most 60000 (one event a minute)"),
  SENSORS: positiveInt(d.sensors).refine((n) => n <= 1000, "must be at most 1000"),
  SENSOR_INTERVAL_MS: positiveInt(d.sensorIntervalMs),
  SENSOR_DATA_FILE: z.string().optional(),
  FAILURE_PROBABILITY: z.coerce.number({ message: "must be a number" })
    .min(0, "must be between 0 and 1").max(1, "must be between 0 and 1")
    .default(d.failure.probability),
  FAILURE_MIN_CYCLES: positiveInt(d.failure.minCycles),
  FAILURE_MAX_CYCLES: positiveInt(d.failure.maxCycles),
  FAILURE_RAMP_CYCLES: positiveInt(d.failure.rampCycles),
  XRAY_DEVICES: nonNegativeInt(d.xrayDevices).refine((n) => n <= 1000, "must be at most 1000"),
  XRAY_INTERVAL_MS: positiveInt(d.xrayIntervalMs),
  XRAY_MAX_POINTS: positiveInt(d.xrayMaxPoints)
    .refine((n) => n <= XRAY_POINT_LIMIT, `must be at most ${XRAY_POINT_LIMIT}`),
  FROM: time.optional(),
  TO: time.optional(),
  DURATION: duration.optional(),
  COUNT: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .positive("must be greater than 0").optional(),
  MAX_IN_FLIGHT: positiveInt(d.maxInFlight),
  PUBLISH_TIMEOUT_MS: positiveInt(d.publishTimeoutMs),
  LOG_INTERVAL_MS: positiveInt(d.logIntervalMs),
  FLUSH_TIMEOUT_MS: positiveInt(d.flushTimeoutMs),
  STREAM_MAX_AGE_MS: nonNegativeInt(d.streamMaxAgeMs),
  STREAM_MAX_BYTES: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(-1, "must be -1 (unlimited) or more").default(d.streamMaxBytes),
});

/** The producer's settings: the NATS URL and the run config. */
export interface ProducerSettings {
  natsUrl: string;
  config: ProducerConfig;
}

/** Options of {@linkcode loadProducerConfig}. */
export interface LoadOptions {
  /** Command-line flags. @default Deno.args */
  args?: readonly string[];
  /** Environment variables. @default Deno.env.toObject() */
  env?: Record<string, string | undefined>;
  /** Draws the seed when SEED is unset. @default a random 32-bit integer */
  randomSeed?: () => number;
}

/** Reads flags over env; throws a ConfigError naming the variable (and the flag, when given). */
export function loadProducerConfig(options: LoadOptions = {}): ProducerSettings {
  const {
    args = Deno.args,
    env = Deno.env.toObject(),
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
    natsUrl: e.NATS_URL ?? DEFAULT_NATS_URL,
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
    },
  };
}
