/**
 * Reads the `SIGNALS` stream in order through an ordered consumer, in fetches of many messages,
 * so memory stays bounded by one batch and the consumer never needs acks or cleanup.
 */
import { type Consumer, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { STREAM_NAME } from "../events/mod.ts";
import { type RawMessage, toRawMessage } from "../projector/mod.ts";

/** Options of {@linkcode StreamReader.open}. */
export interface StreamReaderOptions {
  /** First sequence to read. @default 1 */
  startSeq?: number;
}

/** The first and last sequence the stream holds (first > last when it is empty). */
export async function streamBounds(nc: NatsConnection): Promise<{ first: number; last: number }> {
  const info = await (await jetstreamManager(nc)).streams.info(STREAM_NAME);
  return { first: info.state.first_seq, last: info.state.last_seq };
}

/**
 * The first sequence the stream stored at or after `time`, or last + 1 when there is none. An
 * ordered consumer by start time finds it (direct get by time needs nats-server 2.11).
 */
export async function seqAtTime(nc: NatsConnection, time: Date): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const { first, last } = await streamBounds(nc);
  if (last < first) return last + 1;
  const newest = await jsm.streams.getMessage(STREAM_NAME, { seq: last });
  if (!newest || newest.time.getTime() < time.getTime()) return last + 1;
  const consumer = await jetstream(nc).consumers.get(STREAM_NAME, {
    opt_start_time: time.toISOString(),
  });
  try {
    const message = await consumer.next({ expires: 5000 });
    return message?.seq ?? last + 1;
  } finally {
    await consumer.delete().catch(() => {});
  }
}

/** An ordered read of the stream from a sequence; `pending` says how much is left after it. */
export class StreamReader {
  /** Messages left after the last one read (an upper bound before the first read). */
  pending: number;
  /** Sequence of the last message read; start - 1 before the first. */
  lastSeq: number;
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer, startSeq: number, pending: number) {
    this.#consumer = consumer;
    this.lastSeq = startSeq - 1;
    this.pending = pending;
  }

  /** Creates the ordered consumer at `startSeq`. */
  static async open(nc: NatsConnection, options: StreamReaderOptions = {}): Promise<StreamReader> {
    const startSeq = Math.max(1, options.startSeq ?? 1);
    const { last } = await streamBounds(nc);
    const consumer = await jetstream(nc).consumers.get(STREAM_NAME, { opt_start_seq: startSeq });
    return new StreamReader(consumer, startSeq, Math.max(0, last - startSeq + 1));
  }

  /**
   * Reads up to `max` messages. It asks for no more than are known to be pending, so a fetch at
   * the head does not wait for its expiry; `expiresMs` bounds the wait when nothing comes.
   */
  async read(max: number, expiresMs = 2000): Promise<RawMessage[]> {
    const want = Math.max(1, Math.min(max, this.pending || 1));
    const messages = await this.#consumer.fetch({ max_messages: want, expires: expiresMs });
    const out: RawMessage[] = [];
    for await (const m of messages) {
      out.push(toRawMessage(m));
      this.lastSeq = m.seq;
      this.pending = m.info.pending;
      if (out.length >= want) break;
    }
    return out;
  }

  /** Deletes the consumer now instead of letting the server expire it after 5 idle minutes. */
  async close(): Promise<void> {
    await this.#consumer.delete().catch(() => {});
  }

  /** Reads every message up to and including `seq`; throws when they do not come in `timeoutMs`. */
  async readThrough(seq: number, options: { batch?: number; timeoutMs?: number } = {}) {
    const out: RawMessage[] = [];
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (this.lastSeq < seq) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out reading the stream up to ${seq}: got to ${this.lastSeq}`);
      }
      this.pending = Math.max(this.pending, seq - this.lastSeq);
      out.push(...await this.read(Math.min(options.batch ?? 8192, seq - this.lastSeq), 1000));
    }
    return out.filter((m) => m.seq <= seq);
  }
}
