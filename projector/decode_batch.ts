/** Turns raw stream messages into typed events and dead letters; pure, never throws. */
import { decodeEvent, type SignalEvent } from "../events/mod.ts";
import type { DeadLetterRow, DecodedBatch, RawMessage, StreamEvent } from "./types.ts";

/** Options of {@linkcode decodeBatch}. */
export interface DecodeBatchOptions {
  /** When set, unsigned or wrongly signed messages become dead letters. @default undefined */
  signingKey?: string;
}

/**
 * The largest |W| a sample may have. Beyond it integer milliwatt sums could lose precision in a
 * float, so such an event is dead-lettered instead of silently corrupting the aggregates.
 */
export const MAX_ABS_WATTS = 1e6;

/** Decodes a batch: sorted by sequence, each sequence once, bad messages as dead letters. */
export function decodeBatch(
  messages: readonly RawMessage[],
  options: DecodeBatchOptions = {},
): DecodedBatch {
  const bySeq = new Map<number, RawMessage>();
  for (const message of messages) bySeq.set(message.seq, message);
  const ordered = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const events: StreamEvent[] = [];
  const deadLetters: DeadLetterRow[] = [];
  for (const message of ordered) {
    const decoded = decodeEvent(message.data, {
      subject: message.subject,
      header: (name) => message.headers[name],
      signingKey: options.signingKey,
    });
    const reason = decoded.ok ? unprojectable(decoded.event) : decoded.error.reason;
    if (reason === null && decoded.ok) {
      events.push({ seq: message.seq, event: decoded.event });
    } else {
      deadLetters.push({
        seq: message.seq,
        subject: message.subject,
        reason: reason ?? "unknown",
        raw: message.data,
        headers: message.headers,
      });
    }
  }
  return { events, deadLetters, lastSeq: ordered.at(-1)?.seq ?? 0 };
}

function unprojectable(event: SignalEvent): string | null {
  if (event.type !== "power") return null;
  const index = event.data.watts.findIndex((w) => Math.abs(w) > MAX_ABS_WATTS);
  if (index < 0) return null;
  return `out_of_range: Invalid field 'data.watts.${index}': |W| must be at most ${MAX_ABS_WATTS}: got ${
    event.data.watts[index]
  }`;
}
