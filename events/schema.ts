/** Zod schemas of the signal event contract: one envelope, five signal types, one union. */
import { z } from "zod";

/** The states a machine can be in. */
export const MACHINE_STATES = ["running", "idle", "stopped", "fault"] as const;
/** A machine state. */
export const MachineState = z.enum(MACHINE_STATES);
export type MachineState = z.infer<typeof MachineState>;

/** Error severities, mildest first. */
export const SEVERITIES = ["info", "warning", "error", "critical"] as const;
/** An error severity. */
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** The signal types, in the order the API lists them. */
export const SIGNAL_TYPES = ["state_change", "error", "power", "sensor", "xray"] as const;
/** A signal type. */
export const SignalType = z.enum(SIGNAL_TYPES);
export type SignalType = z.infer<typeof SignalType>;

/** The only envelope version this build understands. */
export const EVENT_VERSION = 1;

/** Machine ids are safe as NATS subject tokens and URL path segments. */
export const MachineId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
  message: "must match [A-Za-z0-9_-]{1,64}",
});

const finite = z.number().refine(Number.isFinite, { message: "must be a finite number" });

/**
 * Bounds of the contract (see "Event bounds" in docs/projector.md). They keep every aggregate a
 * valid event feeds within exact arithmetic: one power event carries at most
 * `MAX_ABS_WATTS` × (`MAX_POWER_SPAN_S` + 1 / `MIN_SAMPLE_RATE_HZ`) ≈ 3.7e15 µJ, below 2^53.
 */
export const EVENT_BOUNDS = {
  /** Slowest power sampling: one sample per 100 s. */
  MIN_SAMPLE_RATE_HZ: 0.01,
  /** Fastest power sampling. */
  MAX_SAMPLE_RATE_HZ: 100_000,
  /** Most samples in one power event. */
  MAX_POWER_SAMPLES: 100_000,
  /** Largest |W| of one sample (1 MW). */
  MAX_ABS_WATTS: 1_000_000,
  /** Longest time from a power event's first sample to its last, in seconds. */
  MAX_POWER_SPAN_S: 3600,
  /** Largest |value| of a sensor reading. */
  MAX_ABS_READING: 1e9,
  /** Latest x-ray point offset from the scan's start, in ms (one day). */
  MAX_XRAY_OFFSET_MS: 86_400_000,
  /** Fastest x-ray speed. */
  MAX_XRAY_SPEED: 10_000,
} as const;

const B = EVENT_BOUNDS;

/** Payload of a `state_change` event; `from` is null for a machine's first state. */
export const StateChangeData = z.object({
  from: MachineState.nullable(),
  to: MachineState,
}).strict();

/** Payload of an `error` event. */
export const ErrorData = z.object({
  code: z.string().min(1).max(64),
  severity: Severity,
  message: z.string().max(1024),
}).strict();

/** Payload of a `power` event: evenly spaced samples starting at `occurredAt`. */
export const PowerData = z.object({
  sampleRateHz: z.number().min(B.MIN_SAMPLE_RATE_HZ).max(B.MAX_SAMPLE_RATE_HZ),
  watts: z.array(finite.pipe(z.number().min(-B.MAX_ABS_WATTS).max(B.MAX_ABS_WATTS)))
    .min(1).max(B.MAX_POWER_SAMPLES),
}).strict().refine(
  (d) => (d.watts.length - 1) / d.sampleRateHz <= B.MAX_POWER_SPAN_S,
  { message: `samples must span at most ${B.MAX_POWER_SPAN_S} s`, path: ["watts"] },
);

/** Ground truth of an injected sensor failure. */
export const SensorFailure = z.object({
  type: z.string().min(1).max(64),
  progress: z.number().min(0).max(1),
}).strict();

/** A sensor's name: 1-64 of A-Z a-z 0-9 _ . : -, starting with a letter or digit. */
export const SensorName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, {
  message: "must be 1-64 of A-Z a-z 0-9 _ . : -, starting with a letter or digit",
});

/**
 * Readings by sensor name. A record schema skips a `__proto__` key without an issue, which would
 * drop the reading silently, so that key is refused before the record is parsed.
 */
const SensorReadings = z.preprocess((value, ctx) => {
  if (value !== null && typeof value === "object" && Object.hasOwn(value, "__proto__")) {
    ctx.addIssue({ code: "custom", message: "a sensor cannot be named __proto__", input: value });
    return z.NEVER;
  }
  return value;
}, z.record(SensorName, finite.pipe(z.number().min(-B.MAX_ABS_READING).max(B.MAX_ABS_READING))));

/** Payload of a `sensor` event: one reading per named sensor. */
export const SensorData = z.object({
  readings: SensorReadings,
  failure: SensorFailure.nullable(),
}).strict();

/** One x-ray data point: `[tOffsetMs, [lat, lon, speed]]`. */
export const XrayPoint = z.tuple([
  z.number().nonnegative().max(B.MAX_XRAY_OFFSET_MS),
  z.tuple([
    z.number().min(-90).max(90),
    z.number().min(-180).max(180),
    z.number().nonnegative().max(B.MAX_XRAY_SPEED),
  ]),
]);
export type XrayPoint = z.infer<typeof XrayPoint>;

/** Payload of an `xray` event. */
export const XrayData = z.object({
  dataPoints: z.array(XrayPoint).min(1).max(1000),
}).strict();

const envelope = {
  id: z.uuid(),
  v: z.literal(EVENT_VERSION),
  machineId: MachineId,
  occurredAt: z.iso.datetime({ offset: false }),
};

/** A `state_change` event. */
export const StateChangeEvent = z.object({
  ...envelope,
  type: z.literal("state_change"),
  data: StateChangeData,
}).strict();
/** An `error` event. */
export const ErrorEvent = z.object({ ...envelope, type: z.literal("error"), data: ErrorData })
  .strict();
/** A `power` event. */
export const PowerEvent = z.object({ ...envelope, type: z.literal("power"), data: PowerData })
  .strict();
/** A `sensor` event. */
export const SensorEvent = z.object({ ...envelope, type: z.literal("sensor"), data: SensorData })
  .strict();
/** An `xray` event. */
export const XrayEvent = z.object({ ...envelope, type: z.literal("xray"), data: XrayData })
  .strict();

/** Every signal event: one discriminated union on `type`. */
export const SignalEvent = z.discriminatedUnion("type", [
  StateChangeEvent,
  ErrorEvent,
  PowerEvent,
  SensorEvent,
  XrayEvent,
]);
export type SignalEvent = z.infer<typeof SignalEvent>;
export type StateChangeEvent = z.infer<typeof StateChangeEvent>;
export type ErrorEvent = z.infer<typeof ErrorEvent>;
export type PowerEvent = z.infer<typeof PowerEvent>;
export type SensorEvent = z.infer<typeof SensorEvent>;
export type XrayEvent = z.infer<typeof XrayEvent>;

/** The event of one signal type. */
export type EventOf<T extends SignalType> = Extract<SignalEvent, { type: T }>;

/** Fails to compile when a switch over a union misses a case. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
