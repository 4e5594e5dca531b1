/** Test helpers: read back and decode everything the `SIGNALS` stream holds; a memory logger. */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { decodeEvent, type SignalEvent, STREAM_NAME } from "../events/mod.ts";
import type { Logger } from "../lib/mod.ts";

/** One stored message. */
export interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  header: (name: string) => string | undefined;
}

/** The number of messages the stream holds. */
export async function streamCount(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(STREAM_NAME)).state.messages;
}

/** Every message in the stream, in order, through an ordered consumer. */
export async function readStream(nc: NatsConnection): Promise<StoredMessage[]> {
  const total = await streamCount(nc);
  const out: StoredMessage[] = [];
  if (total === 0) return out;
  const consumer = await jetstream(nc).consumers.get(STREAM_NAME);
  const messages = await consumer.consume({ max_messages: 2000 });
  for await (const m of messages) {
    out.push({
      seq: m.seq,
      subject: m.subject,
      data: m.data,
      header: (name) => m.headers?.get(name) || undefined,
    });
    if (out.length >= total) break;
  }
  await messages.close();
  return out;
}

/** A logger that keeps its lines in memory, for tests that check what was logged. */
export function memoryLogger(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => void lines.push({ level, msg });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Decodes every stored message under the contract; fails on the first invalid one. */
export function decodeAll(
  messages: StoredMessage[],
  signingKey?: string,
): SignalEvent[] {
  return messages.map((m) => {
    const result = decodeEvent(m.data, { subject: m.subject, header: m.header, signingKey });
    if (!result.ok) throw new Error(`seq ${m.seq}: ${result.error.reason}`);
    return result.event;
  });
}
