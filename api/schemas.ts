/**
 * Zod schemas of every response body; the routes declare them, so `/openapi.json` is generated from
 * them. Objects are strict, so a member the code adds without declaring it fails the contract tests.
 */
import { z } from "@hono/zod-openapi";
import { MACHINE_STATES, SEVERITIES } from "../events/mod.ts";
import { JOB_STATES } from "../replay/contract.ts";

const time = z.iso.datetime().meta({ description: "ISO 8601 UTC" });
const common = {
  id: z.string().meta({ description: "Event id (uuid v7)" }),
  seq: z.number().int().meta({ description: "Stream sequence of the event" }),
  machineId: z.string(),
  at: time,
};

/** A state change. */
export const StateChangeRow = z.strictObject({
  ...common,
  from: z.enum(MACHINE_STATES).nullable(),
  to: z.enum(MACHINE_STATES),
}).meta({ id: "StateChange" });

/** An error event. */
export const ErrorRow = z.strictObject({
  ...common,
  code: z.string(),
  severity: z.enum(SEVERITIES),
  message: z.string(),
}).meta({ id: "Error" });

/** A sensor reading. */
export const SensorRow = z.strictObject({
  ...common,
  readings: z.record(z.string(), z.number()),
  failure: z.strictObject({ type: z.string(), progress: z.number() }).nullable(),
}).meta({ id: "SensorReading" });

/** An x-ray scan summary. */
export const XrayRow = z.strictObject({
  ...common,
  pointCount: z.number().int(),
  bbox: z.strictObject({
    minLat: z.number(),
    maxLat: z.number(),
    minLon: z.number(),
    maxLon: z.number(),
  }),
  speed: z.strictObject({ min: z.number(), avg: z.number(), max: z.number() }),
  durationMs: z.number(),
}).meta({ id: "XrayScan" });

/** An x-ray scan with its data points read from the raw event. */
export const XrayDetail = XrayRow.extend({
  dataPoints: z.array(z.tuple([z.number(), z.tuple([z.number(), z.number(), z.number()])]))
    .nullable().meta({ description: "null when the raw event is no longer in the stream" }),
}).meta({ id: "XrayScanDetail" });

/** Power of one machine aggregated over one bucket. */
export const PowerBucketRow = z.strictObject({
  id: z.string().meta({ description: "machineId@bucketStart, with ~size for buckets over 1m" }),
  machineId: z.string(),
  bucket: time.meta({ description: "Start of the bucket (UTC, aligned to the epoch)" }),
  bucketSize: z.enum(["1m", "5m", "15m", "1h", "1d"]),
  samples: z.number().int(),
  avgW: z.number().nullable(),
  minW: z.number(),
  maxW: z.number(),
  energyWh: z.number(),
  events: z.number().int(),
  lastSeq: z.number().int(),
}).meta({ id: "PowerBucket" });

/** A page of a list. */
export function pageOf<T extends z.ZodType>(row: T) {
  return z.strictObject({
    data: z.array(row),
    next: z.string().nullable().meta({ description: "Cursor of the next page; null at the end" }),
  });
}

/** Latest state of a machine. */
export const MachineRow = z.strictObject({
  machineId: z.string(),
  state: z.enum(MACHINE_STATES).nullable(),
  stateSince: time.nullable(),
  lastSeen: time,
  lastPowerW: z.number().nullable(),
  lastPowerAt: time.nullable(),
  lastError: z.strictObject({ code: z.string(), at: time }).nullable(),
  errors: z.strictObject({
    info: z.number().int(),
    warning: z.number().int(),
    error: z.number().int(),
    critical: z.number().int(),
  }),
  energyWh: z.number(),
}).meta({ id: "Machine" });

/** A failure episode. */
export const FailureRow = z.strictObject({
  id: z.string().meta({ description: "Id of the event that started the episode" }),
  seq: z.number().int(),
  machineId: z.string(),
  type: z.string(),
  startedAt: time,
  endedAt: time.nullable(),
  ongoing: z.boolean(),
  peakProgress: z.number(),
}).meta({ id: "Failure" });

/** One machine in detail. */
export const MachineDetail = MachineRow.extend({
  recentErrors: z.array(ErrorRow),
  ongoingFailure: FailureRow.nullable(),
}).meta({ id: "MachineDetail" });

/** Metadata of an event as stored in the stream. */
export const RawMetadata = z.strictObject({
  seq: z.number().int(),
  subject: z.string(),
  storedAt: time,
  headers: z.record(z.string(), z.array(z.string())),
  size: z.number().int(),
}).meta({ id: "RawMetadata" });

/** An event as stored in the stream, payload included. */
export const RawEvent = RawMetadata.extend({
  payload: z.string().meta({ description: "The stored bytes, base64" }),
  event: z.unknown().meta({ description: "The payload parsed as JSON, when it is JSON" }),
}).meta({ id: "RawEvent" });

/** problem+json (RFC 9457). */
export const Problem = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string(),
  fields: z.array(z.strictObject({
    field: z.string(),
    value: z.unknown().nonoptional().meta({ description: "The value seen; null when absent" }),
    message: z.string(),
  })).optional().meta({ description: "The offending inputs" }),
}).meta({ id: "Problem" });

const Component = z.strictObject({
  status: z.enum(["ok", "down", "unknown"]).meta({
    description: "unknown: the probe ran out of time while this process was overloaded",
  }),
  error: z.string().optional(),
  probeMs: z.number().int().optional().meta({ description: "How long the probe took" }),
});

/** /health. */
export const Health = z.strictObject({
  status: z.enum(["ok", "degraded", "overloaded", "down"]).meta({
    description: "down: a dependency is down; overloaded: this process is; degraded: the " +
      "projector is stale or unknown",
  }),
  process: z.strictObject({
    status: z.enum(["ok", "overloaded"]),
    eventLoopDelayMs: z.number().int().meta({
      description: "The worst event-loop delay seen while probing",
    }),
    inFlight: z.number().int().meta({ description: "HTTP requests being handled" }),
    sseClients: z.number().int().meta({ description: "Open /stream connections" }),
  }),
  components: z.strictObject({
    postgres: Component,
    nats: Component,
    projector: z.strictObject({
      status: z.enum(["ok", "stale", "unknown"]),
      heartbeatAt: time.nullable(),
      eventsPerSec: z.number().nullable(),
      lag: z.number().int().nullable(),
      streamLastSeq: z.number().int().nullable(),
      checkpoints: z.record(z.string(), z.number().int()),
    }),
  }),
  cluster: z.strictObject({
    natsNodes: z.array(z.strictObject({
      name: z.string(),
      leader: z.boolean(),
      current: z.boolean().meta({ description: "Its copy of the stream is up to date" }),
      lag: z.number().int().nullable(),
    })).meta({ description: "The NATS servers holding the stream SIGNALS" }),
    workers: z.array(z.strictObject({
      id: z.string(),
      host: z.string(),
      pid: z.number().int(),
      startedAt: time,
      seenAt: time,
      owns: z.array(z.string()).meta({ description: "Read models it holds the lease of" }),
      lag: z.number().int().nullable().meta({
        description: "Stream events after the lowest checkpoint of what it holds",
      }),
      eventsPerSec: z.number(),
    })).meta({ description: "Live projector workers" }),
    replica: z.strictObject({
      status: z.enum(["ok", "lagging", "down"]),
      lagMs: z.number().nullable(),
      maxLagMs: z.number().int(),
      reason: z.string().optional(),
    }).nullable().meta({ description: "The read replica behind reads; null without one" }),
  }),
}).meta({ id: "Health" });

/** A replay job, as its row in `replay_jobs` records it. */
export const ReplayJob = z.strictObject({
  id: z.uuid(),
  projection: z.string().meta({ description: "What was asked for: a projection or all" }),
  projections: z.array(z.string()).meta({ description: "The projections it covers" }),
  fromSeq: z.number().int().nullable(),
  fromTime: time.nullable(),
  requestedBy: z.string().meta({ description: "Name of the API key that asked; never the key" }),
  state: z.enum(JOB_STATES),
  phase: z.string().nullable().meta({
    description: "preparing, seeding, replaying, swapping, done; waiting when put back",
  }),
  eventsRead: z.number().int(),
  eventsTotal: z.number().int(),
  progress: z.number().min(0).max(1),
  eventsPerSec: z.number(),
  etaSeconds: z.number().nullable(),
  rowsWritten: z.number().int(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  worker: z.string().nullable().meta({ description: "The worker running it, while it runs" }),
  cancelRequested: z.boolean(),
  summary: z.record(z.string(), z.unknown()).nullable().meta({
    description: "The rebuild's summary once it succeeded",
  }),
  createdAt: time,
  startedAt: time.nullable(),
  heartbeatAt: time.nullable().meta({ description: "Last progress write of its worker" }),
  finishedAt: time.nullable(),
}).meta({ id: "ReplayJob" });

/** A page of replay jobs, newest first. */
export const ReplayJobPage = pageOf(ReplayJob).meta({ id: "ReplayJobPage" });
