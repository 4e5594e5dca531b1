/** A stored event as `/stream` sends it: decoded and verified once, serialised once. */
import type { JsMsg } from "@nats-io/jetstream";
import { decodeEvent } from "../events/mod.ts";

/** One SSE frame of a stored event, shared by every client that is sent it. */
export interface StoredFrame {
  seq: number;
  type: string;
  machineId: string;
  /** `event: <type>`, `id: <stream sequence>`, `data: <event JSON>`, encoded. */
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

/** One SSE frame, encoded. */
export function sseFrame(event: string, data: string, id?: number): Uint8Array {
  const idLine = id === undefined ? "" : `id: ${id}\n`;
  return encoder.encode(`event: ${event}\n${idLine}data: ${data}\n\n`);
}

/**
 * The frame of a stored message, or null when the projector would dead-letter it: bad JSON,
 * schema, subject mismatch or, with a key, a missing or wrong signature.
 */
export function decodeStored(msg: JsMsg, signingKey?: string): StoredFrame | null {
  const decoded = decodeEvent(msg.data, {
    subject: msg.subject,
    header: (name) => msg.headers?.get(name) || undefined,
    signingKey,
  });
  if (!decoded.ok) return null;
  const { event } = decoded;
  return {
    seq: msg.seq,
    type: event.type,
    machineId: event.machineId,
    bytes: sseFrame(event.type, JSON.stringify(event), msg.seq),
  };
}
