/** The `SIGNALS` stream: the append-only log every read model is derived from. */
import {
  DiscardPolicy,
  type JetStreamManager,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { ALL_SIGNALS } from "./subjects.ts";
import { isJetStreamApiError, JetStreamCodes } from "./jetstream_errors.ts";

/** The stream's name. */
export const STREAM_NAME = "SIGNALS";

/** How long the stream keeps events and how much it may hold; 0 means unlimited. */
export interface StreamRetention {
  /** Maximum age of an event in milliseconds. @default 0 */
  maxAgeMs?: number;
  /** Maximum size of the stream in bytes. @default -1 */
  maxBytes?: number;
}

/** The full stream configuration for the given retention. */
export function streamConfig(
  retention: StreamRetention = {},
): Partial<StreamConfig> & { name: string } {
  return {
    name: STREAM_NAME,
    subjects: [ALL_SIGNALS],
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(2 * 60_000),
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
    max_age: nanos(retention.maxAgeMs ?? 0),
    max_bytes: retention.maxBytes ?? -1,
  };
}

/**
 * Creates the stream if it is missing. With `retention` given, an existing stream is brought up
 * to date; without it an existing stream is left as it is, so a service that does not own the
 * retention settings never resets them. Safe to call any number of times.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  retention?: StreamRetention,
): Promise<void> {
  const config = streamConfig(retention);
  try {
    await jsm.streams.info(STREAM_NAME);
  } catch (error) {
    // Only "stream not found" means missing; a timeout or a lost connection is not.
    if (!isJetStreamApiError(error, JetStreamCodes.StreamNotFound)) throw error;
    try {
      await jsm.streams.add(config);
      return;
    } catch (error) {
      // Another service may have created it, with other settings, between our two calls.
      if (!isJetStreamApiError(error, JetStreamCodes.StreamNameInUse)) throw error;
    }
  }
  if (retention) await jsm.streams.update(STREAM_NAME, config);
}
