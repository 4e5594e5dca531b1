/** Turns raw stream messages into typed events and dead letters; pure, never throws. */
import { decodeEvent, EVENT_BOUNDS, type SignalEvent } from "../events/mod.ts";
import type { DeadLetterRow, DecodedBatch, RawMessage, StreamEvent } from "./types.ts";

/** Options of {@linkcode decodeBatch}. */
export interface DecodeBatchOptions {
  /** When set, unsigned or wrongly signed messages become dead letters. @default undefined */
  signingKey?: string;
}

/** The largest |W| a sample may have; the event contract refuses larger (`EVENT_BOUNDS`). */
export const MAX_ABS_WATTS = EVENT_BOUNDS.MAX_ABS_WATTS;

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
      events.push({ seq: message.seq, event: decoded.event, message });
    } else {
      deadLetters.push({
        seq: message.seq,
        subject: storable(message.subject),
        reason: storable(reason ?? "unknown"),
        raw: message.data,
        headers: Object.fromEntries(
          Object.entries(message.headers).map(([k, v]) => [storable(k), storable(v)]),
        ),
      });
    }
  }
  return { events, deadLetters, lastSeq: ordered.at(-1)?.seq ?? 0 };
}

/** Text as PostgreSQL can store it: U+0000 becomes U+FFFD (the raw bytes keep the original). */
function storable(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "\uFFFD") : text;
}

// PostgreSQL text and jsonb cannot hold U+0000; such an event would fail its batch forever.
function findNul(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\0") ? path : null;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes("\0")) return `${path}.${key}`;
    const found = findNul(inner, `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

// PostgreSQL keeps years 1 to 9999 in ISO form; year 0 passes the schema but not the database.
const EARLIEST_MS = Date.parse("0001-01-01T00:00:00.000Z");
const END_MS = Date.parse("9999-12-31T23:00:00.000Z");
const YEAR_10000_MS = 253_402_300_800_000;

function unprojectable(event: SignalEvent): string | null {
  const at = Date.parse(event.occurredAt);
  if (!(at >= EARLIEST_MS && at < END_MS)) {
    return `out_of_range: Invalid field 'occurredAt': must be in the years 0001 to 9999: got '${event.occurredAt}'`;
  }
  // Only these types carry free text; power and x-ray data are numbers.
  const nul = event.type === "error" || event.type === "sensor"
    ? findNul(event.data, "data")
    : null;
  if (nul) return `out_of_range: Invalid field '${nul}': text must not contain U+0000`;
  if (event.type !== "power") return null;
  const { sampleRateHz, watts } = event.data;
  if (at + ((watts.length - 1) * 1000) / sampleRateHz >= YEAR_10000_MS) {
    return `out_of_range: Invalid field 'data.watts': samples run past the year 9999`;
  }
  return null;
}
