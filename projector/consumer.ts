/**
 * The projector's durable pull consumer on `SIGNALS` and the buffer batches are taken from.
 * The database checkpoint, not the consumer's ack floor, is the source of truth for where to read:
 * the consumer is (re)created at the checkpoint on start-up and whenever a delivery was lost, so
 * events are always applied in stream order and a late redelivery can never be skipped.
 */
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import {
  ALL_SIGNALS,
  fromNatsHeaders,
  isJetStreamApiError,
  JetStreamCodes,
  STREAM_NAME,
} from "../events/mod.ts";
import type { RawMessage } from "./types.ts";

/** Options of {@linkcode positionConsumer}. */
export interface PositionOptions {
  /** Unacknowledged messages the server may hand out; bounds the client buffer. */
  maxAckPending: number;
  /** How long before an unacknowledged message is sent again, in ms. @default 60000 */
  ackWaitMs?: number;
}

/** Recreates the durable consumer `name` so that it delivers from stream sequence `startSeq`. */
export async function positionConsumer(
  jsm: JetStreamManager,
  name: string,
  startSeq: number,
  options: PositionOptions,
): Promise<void> {
  try {
    await jsm.consumers.delete(STREAM_NAME, name);
  } catch (error) {
    if (!isJetStreamApiError(error, JetStreamCodes.ConsumerNotFound)) throw error;
  }
  await jsm.consumers.add(STREAM_NAME, {
    durable_name: name,
    // One ack after the commit covers the whole batch.
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, startSeq),
    filter_subject: ALL_SIGNALS,
    ack_wait: nanos(options.ackWaitMs ?? 60_000),
    max_ack_pending: options.maxAckPending,
    max_deliver: -1,
  });
}

/** Messages pushed by a consumer, taken out in batches. */
export class MessageBuffer {
  #queue: JsMsg[] = [];
  #wake: (() => void) | undefined;

  /** Adds a delivered message; used as the consume callback. */
  push = (msg: JsMsg): void => {
    this.#queue.push(msg);
    if (this.#queue.length === 1 || this.#queue.length >= this.#wantAtLeast) this.wake();
  };

  #wantAtLeast = 1;

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length;
  }

  /** Drops every waiting message (they will be delivered again). */
  clear(): void {
    this.#queue = [];
  }

  /** Ends a pending {@linkcode take} early. */
  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * Up to `max` messages: waits up to `idleMs` for the first, then up to `lingerMs` for the batch to
   * fill. Returns an empty array on timeout or abort.
   */
  async take(max: number, options: { lingerMs: number; idleMs: number; signal?: AbortSignal }) {
    if (this.#queue.length === 0) await this.#wait(1, options.idleMs, options.signal);
    if (this.#queue.length > 0 && this.#queue.length < max) {
      await this.#wait(max, options.lingerMs, options.signal);
    }
    return this.#queue.splice(0, max);
  }

  #wait(atLeast: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#wantAtLeast = 1;
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.#wantAtLeast = atLeast;
      this.#wake = done;
    });
  }
}

/** Starts pushing the consumer's messages into `buffer`. */
export async function startConsuming(
  js: JetStreamClient,
  name: string,
  buffer: MessageBuffer,
  options: { maxMessages: number },
): Promise<ConsumerMessages> {
  const consumer = await js.consumers.get(STREAM_NAME, name);
  // Short pull expiry: a pull lost with a server restart is noticed in seconds, not 30 s.
  return await consumer.consume({
    max_messages: options.maxMessages,
    expires: 5_000,
    callback: buffer.push,
  });
}

/**
 * A delivered message as the pure core sees it; shared by the live consumer and replay's stream
 * reader. Headers are read only for signatures and dead letters, and parsing them for every
 * message costs more than the rest of the read: they are converted on first use.
 */
export function toRawMessage(msg: JsMsg): RawMessage {
  let headers: Record<string, string> | undefined;
  return {
    seq: msg.seq,
    subject: msg.subject,
    data: msg.data,
    get headers() {
      headers ??= fromNatsHeaders(msg.headers);
      return headers;
    },
  };
}

/** The stream's last sequence as seen by a delivered message (its sequence plus what follows). */
export function streamLastSeqOf(msg: JsMsg): number {
  return msg.info.streamSequence + msg.info.pending;
}
