/** Reading the `SIGNALS` stream back in tests: count, every stored message, decoded events. */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
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

/** Every message the stream holds now, in order, read through an ordered consumer. */
export async function readStream(nc: NatsConnection): Promise<StoredMessage[]> {
  const total = await streamCount(nc);
  const out: StoredMessage[] = [];
  if (total === 0) return out;
  const consumer = await jetstream(nc).consumers.get(STREAM_NAME);
  const messages = await consumer.consume({ max_messages: 4096 });
  for await (const m of messages) {
    out.push({ seq: m.seq, subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers) });
    if (out.length >= total) break;
  }
  await messages.close();
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
