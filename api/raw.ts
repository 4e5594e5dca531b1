/** Raw events read from the `SIGNALS` stream by sequence, with direct get. */
import type { StoredMsg } from "@nats-io/jetstream";
import { parseSubject, STREAM_NAME } from "../events/mod.ts";
import type { AppContext } from "./_context.ts";
import { NotFoundError, UnavailableError } from "./problem.ts";
import { iso } from "./time.ts";

// Direct get adds these to the stored headers; they are not part of the original message.
const ADDED = new Set([
  "nats-stream",
  "nats-subject",
  "nats-sequence",
  "nats-time-stamp",
  "nats-last-sequence",
  "nats-num-pending",
]);

/** Reads the message at `seq`; 404 when absent or not of `type`, 503 when NATS fails. */
export async function readRaw(
  ctx: AppContext,
  { seq, type }: { seq: number; type: string },
): Promise<StoredMsg> {
  let message: StoredMsg | null;
  try {
    const jsm = await ctx.jsm();
    message = await jsm.direct.getMessage(STREAM_NAME, { seq });
  } catch (cause) {
    throw new UnavailableError(`Cannot read sequence ${seq} from stream ${STREAM_NAME}`, cause);
  }
  if (!message) throw new NotFoundError(`No event at stream sequence ${seq}`);
  const parsed = parseSubject(message.subject);
  if (parsed?.type !== type) {
    throw new NotFoundError(
      `Stream sequence ${seq} holds a '${parsed?.type ?? message.subject}' event, not '${type}'`,
    );
  }
  return message;
}

/** Headers of a stored message as they were published. */
export function storedHeaders(message: StoredMsg): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  if (!message.header) return headers;
  for (const key of message.header.keys()) {
    if (ADDED.has(key.toLowerCase())) continue;
    headers[key] = message.header.values(key);
  }
  return headers;
}

/** The metadata of a stored message. */
export function rawMetadata(message: StoredMsg) {
  return {
    seq: message.seq,
    subject: message.subject,
    storedAt: iso(message.time)!,
    headers: storedHeaders(message),
    size: message.data.length,
  };
}

/** The metadata plus the payload, base64 and parsed when it is JSON. */
export function rawEvent(message: StoredMsg) {
  let event: unknown = null;
  try {
    event = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(message.data));
  } catch {
    // Not JSON: the base64 payload is still exact.
  }
  return { ...rawMetadata(message), payload: message.data.toBase64(), event };
}

/** The stored bytes themselves, with the stream position and original headers as headers. */
export function rawBytesResponse(message: StoredMsg): Response {
  const headers = new Headers({
    "content-type": "application/octet-stream",
    "x-stream-sequence": String(message.seq),
    "x-stream-subject": message.subject,
    "x-stream-time": iso(message.time)!,
  });
  for (const [name, values] of Object.entries(storedHeaders(message))) {
    for (const value of values) headers.append(`x-nats-header-${name.toLowerCase()}`, value);
  }
  return new Response(message.data.slice(), { status: 200, headers });
}
