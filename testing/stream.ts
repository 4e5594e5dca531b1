/** Reading the `SIGNALS` stream back in tests: count, every stored message, decoded events. */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import { decodeEvent, fromNatsHeaders, type SignalEvent, STREAM_NAME } from "../events/mod.ts";

/** A message as the stream stores it (the projector's `RawMessage` has the same shape). */
export interface StoredMessage {
  /** Stream sequence. */
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
}

/** The number of messages the stream holds. */
export async function streamCount(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(STREAM_NAME)).state.messages;
}

/**
 * Every message the stream holds now, in order, read through an ephemeral pull consumer that is
 * deleted afterwards (tests check that nothing is left on the stream).
 */
export async function readStream(nc: NatsConnection): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const total = (await jsm.streams.info(STREAM_NAME)).state.messages;
  const out: StoredMessage[] = [];
  if (total === 0) return out;
  const { name } = await jsm.consumers.add(STREAM_NAME, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    mem_storage: true,
    inactive_threshold: nanos(60_000),
  });
  try {
    const consumer = await jetstream(nc).consumers.get(STREAM_NAME, name);
    while (out.length < total) {
      const before = out.length;
      const batch = await consumer.fetch({
        max_messages: Math.min(4096, total - out.length),
        expires: 5000,
      });
      for await (const m of batch) {
        out.push({
          seq: m.seq,
          subject: m.subject,
          data: m.data,
          headers: fromNatsHeaders(m.headers),
        });
      }
      if (out.length === before) throw new Error(`The stream ended at ${before} of ${total}`);
    }
  } finally {
    await jsm.consumers.delete(STREAM_NAME, name);
  }
  return out;
}

/** Decodes every stored message under the contract; throws on the first invalid one. */
export function decodeAll(messages: readonly StoredMessage[], signingKey?: string): SignalEvent[] {
  return messages.map((m) => {
    const result = decodeEvent(m.data, {
      subject: m.subject,
      header: (name) => m.headers[name],
      signingKey,
    });
    if (!result.ok) throw new Error(`seq ${m.seq}: ${result.error.reason}`);
    return result.event;
  });
}
