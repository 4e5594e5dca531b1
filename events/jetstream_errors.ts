/** Telling JetStream API errors apart by their code, never by their message text. */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";

/**
 * The JetStream API error codes this project acts on: nats.js's `JetStreamApiCodes`, plus
 * nats-server's `JSStreamNameExistErr`, which nats.js does not name.
 */
export const JetStreamCodes = {
  ...JetStreamApiCodes,
  /** A stream of that name exists with another configuration. */
  StreamNameInUse: 10058,
} as const;

/** Whether `error` is a JetStream API error with `code` (one of {@linkcode JetStreamCodes}). */
export function isJetStreamApiError(error: unknown, code: number): error is JetStreamApiError {
  return error instanceof JetStreamApiError && error.code === code;
}
