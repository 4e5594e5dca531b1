/** Publishing test data to JetStream: events (encoded on the way) or ready messages, in order. */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { type EncodedEvent, encodeEvent, type SignalEvent, toNatsHeaders } from "../events/mod.ts";
import type { StoredMessage } from "./stream.ts";

/** Something to publish: an event, or an already encoded message (maybe poison). */
export type Publishable = SignalEvent | EncodedEvent;

/** Options of {@linkcode publishEvents}. */
export interface PublishOptions {
  /** Sign events with this key (ready messages are sent as they are). @default undefined */
  signingKey?: string;
  /** Most acks awaited at once. @default 512 */
  window?: number;
  /** How long one ack may take, in ms. @default 30000 */
  timeoutMs?: number;
}

/**
 * Publishes `items` in order, with up to `window` acks outstanding, and returns them as the
 * stream stored them, with their sequences.
 */
export async function publishEvents(
  nc: NatsConnection,
  items: readonly Publishable[],
  options: PublishOptions = {},
): Promise<StoredMessage[]> {
  const { signingKey, window = 512, timeoutMs = 30_000 } = options;
  const js = jetstream(nc);
  const out: StoredMessage[] = [];
  for (let i = 0; i < items.length; i += window) {
    // One connection keeps the order of publishes; awaiting per chunk bounds what is in flight.
    const chunk = items.slice(i, i + window).map((item) => {
      const encoded = "bytes" in item ? item : encodeEvent(item, { signingKey });
      const headers = toNatsHeaders(encoded.headers);
      const ack = js.publish(encoded.subject, encoded.bytes, { headers, timeout: timeoutMs });
      return { encoded, ack };
    });
    for (const { encoded, ack } of chunk) {
      const { seq } = await ack;
      out.push({ seq, subject: encoded.subject, data: encoded.bytes, headers: encoded.headers });
    }
  }
  return out;
}

const encoder = new TextEncoder();

/** Three messages that are not valid events: bad JSON, a schema violation, a wrong signature. */
export function poison(n: number): EncodedEvent[] {
  return [
    { subject: "signals.power.m-001", bytes: encoder.encode(`{not json ${n}`), headers: {} },
    {
      subject: "signals.error.m-002",
      bytes: encoder.encode(`{"type":"error","v":1,"id":"x-${n}"}`),
      headers: {},
    },
    {
      subject: "signals.state_change.m-003",
      bytes: encoder.encode(`{"n":${n}}`),
      headers: { "Signal-Signature": "00".repeat(32) },
    },
  ];
}

/** `events` with the three {@linkcode poison} messages after every `every`-th event. */
export function withPoison(events: readonly SignalEvent[], every: number): Publishable[] {
  const out: Publishable[] = [];
  events.forEach((event, i) => {
    out.push(event);
    if (i % every === every - 1) out.push(...poison(i));
  });
  return out;
}
