/** The `SIGNALS` stream: the append-only log every read model is derived from. */
import {
  DiscardPolicy,
  type JetStreamManager,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { ConfigError } from "../lib/config.ts";
import type { Logger } from "../lib/log.ts";
import { z } from "zod";
import { ALL_SIGNALS } from "./subjects.ts";
import { isJetStreamApiError, JetStreamCodes } from "./jetstream_errors.ts";

/** The stream's name. */
export const STREAM_NAME = "SIGNALS";

/** The stream's default duplicate window: a re-sent message id within it is dropped. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * `STREAM_DUPLICATE_WINDOW`: the duplicate window as `500ms`, `2s`, `2m`, `1h` or plain ms.
 * Exactly-once does not depend on it (the projector's event ledger does that); it only saves
 * storing a quick re-send twice.
 */
export const StreamDuplicateWindow = z.string().regex(/^\d+(ms|s|m|h)?$/, {
  message: "must be a duration such as 500ms, 2s, 2m or 1h",
}).transform((text) => {
  const [, n, unit] = /^(\d+)(ms|s|m|h)?$/.exec(text)!;
  return Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit ?? "ms"]!;
}).pipe(z.number().int().min(100, "must be at least 100ms"))
  .default(DEFAULT_DUPLICATE_WINDOW_MS)
  .describe("The SIGNALS stream's duplicate window (500ms, 2s, 2m, 1h or ms).");

/** How long the stream keeps events and how much it may hold; 0 means unlimited. */
export interface StreamRetention {
  /** The duplicate window in milliseconds. @default DEFAULT_DUPLICATE_WINDOW_MS */
  duplicateWindowMs?: number;
  /** Maximum age of an event in milliseconds. @default 0 */
  maxAgeMs?: number;
  /** Maximum size of the stream in bytes. @default -1 */
  maxBytes?: number;
}

/** The full stream configuration for the given retention and replica count. */
export function streamConfig(
  retention: StreamRetention = {},
  replicas = 1,
): Partial<StreamConfig> & { name: string } {
  return {
    name: STREAM_NAME,
    subjects: [ALL_SIGNALS],
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(retention.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
    max_age: nanos(retention.maxAgeMs ?? 0),
    max_bytes: retention.maxBytes ?? -1,
    num_replicas: replicas,
  };
}

/** Options of {@linkcode ensureStream}. */
export interface EnsureStreamOptions {
  /**
   * Copies of the stream kept by a JetStream cluster (`STREAM_REPLICAS`): a new stream gets this
   * many; an existing stream with fewer is raised to it, one with more keeps its own, so a service
   * started with the default never lowers what another set. @default 1
   */
  replicas?: number;
  /** Where a raise of the replica count is reported. @default undefined */
  logger?: Pick<Logger, "info">;
}

/** nats-server's "replicas > 1 not supported in non-clustered mode". */
const REPLICAS_NOT_CLUSTERED = 10074;
/** nats-server's "no suitable peers for placement". */
const NO_SUITABLE_PEERS = 10005;
/** nats-server's "insufficient resources". */
const INSUFFICIENT_RESOURCES = 10023;

/** The servers cannot hold the replicas asked for: a setting to change, not a fault to retry. */
export class StreamReplicasError extends ConfigError {
  override name = "StreamReplicasError";
  constructor(replicas: number, reason: string, options?: ErrorOptions) {
    super(
      "STREAM_REPLICAS",
      `Invalid STREAM_REPLICAS=${replicas}: ${replicas} copies of stream ${STREAM_NAME} need a ` +
        `JetStream cluster of at least ${replicas} servers, but ${reason}. ` +
        "Use STREAM_REPLICAS=1 on a single server.",
    );
    if (options?.cause) this.cause = options.cause;
  }
}

/**
 * Explains NATS's refusal of a replica count: a single server can never hold more than one copy
 * (a {@linkcode StreamReplicasError}), while a cluster with too few servers up may have them
 * again soon (an error worth retrying).
 */
function replicasRefused(error: unknown, replicas: number): unknown {
  if (isJetStreamApiError(error, REPLICAS_NOT_CLUSTERED)) {
    return new StreamReplicasError(replicas, `NATS answered "${error.message}"`, { cause: error });
  }
  if (
    isJetStreamApiError(error, NO_SUITABLE_PEERS) ||
    isJetStreamApiError(error, INSUFFICIENT_RESOURCES)
  ) {
    return new Error(
      `Stream ${STREAM_NAME} needs ${replicas} servers with JetStream and fewer are up now: ` +
        error.message,
      { cause: error },
    );
  }
  return error;
}

/** Whether every field of `wanted` has the same value in `current`. */
function isSubset(wanted: object, current: object): boolean {
  const have = current as Record<string, unknown>;
  return Object.entries(wanted).every(([key, value]) =>
    JSON.stringify(value) === JSON.stringify(have[key])
  );
}

/**
 * Creates the stream if it is missing. With `retention` given, an existing stream is brought up
 * to date; without it an existing stream is left as it is, so a service that does not own the
 * retention settings never resets them. The replica count is only ever raised (see
 * {@linkcode EnsureStreamOptions.replicas}). Safe to call any number of times.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  retention?: StreamRetention,
  options: EnsureStreamOptions = {},
): Promise<void> {
  const wanted = options.replicas ?? 1;
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(STREAM_NAME);
  } catch (error) {
    // Only "stream not found" means missing; a timeout or a lost connection is not.
    if (!isJetStreamApiError(error, JetStreamCodes.StreamNotFound)) throw error;
    try {
      await jsm.streams.add(streamConfig(retention, wanted));
      return;
    } catch (error) {
      // Another service may have created it, with other settings, between our two calls.
      if (!isJetStreamApiError(error, JetStreamCodes.StreamNameInUse)) {
        throw replicasRefused(error, wanted);
      }
      info = await jsm.streams.info(STREAM_NAME);
    }
  }
  const current = info.config;
  const replicas = Math.max(current.num_replicas ?? 1, wanted);
  if (replicas > current.num_replicas && !info.cluster) {
    // A single server accepts the update and reports the count, yet keeps one copy.
    throw new StreamReplicasError(wanted, "the server runs without a cluster");
  }
  // update() merges into the stream's current config, so without retention only replicas change.
  const config = retention ? streamConfig(retention, replicas) : { num_replicas: replicas };
  if (isSubset(config, current)) return;
  try {
    await jsm.streams.update(STREAM_NAME, config);
  } catch (error) {
    throw replicasRefused(error, wanted);
  }
  if (replicas !== current.num_replicas) {
    options.logger?.info("raised the replicas of the stream", {
      stream: STREAM_NAME,
      from: current.num_replicas,
      to: replicas,
    });
  }
}
