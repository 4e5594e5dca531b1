/**
 * One reader of the `SIGNALS` log per API process, fanning stored events out to every `/stream`
 * client. Reading the stream (not core subjects) means a client sees only what the log holds:
 * no body JetStream dropped as a duplicate, nothing the projector would dead-letter.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, type JsMsg } from "@nats-io/jetstream";
import { STREAM_NAME } from "../events/mod.ts";
import { backoffDelay, type Logger, sleep } from "../lib/mod.ts";
import { decodeStored, type StoredFrame } from "./stream_frame.ts";

/** Receives each stored event, in stream order, once it has joined. */
export interface HubListener {
  deliver(frame: StoredFrame): void;
}

/** Options of {@linkcode StreamHub}. */
export interface StreamHubOptions {
  /** Events whose signature does not verify with this key are not sent. @default undefined */
  signingKey?: string;
  /** Ends the reader. */
  signal: AbortSignal;
  logger: Logger;
}

/** The shared live reader of the log. */
export class StreamHub {
  readonly #listeners = new Set<HubListener>();
  /** The highest sequence handed to the listeners, valid or not. */
  #lastSeq = 0;
  #started: Promise<void> | undefined;

  constructor(private readonly nats: NatsConnection, private readonly options: StreamHubOptions) {}

  /**
   * Adds a listener and returns the last sequence it will not get: it receives exactly the
   * stored events after that one.
   */
  async join(listener: HubListener): Promise<number> {
    await this.#start();
    this.#listeners.add(listener);
    return this.#lastSeq;
  }

  /** Removes a listener. */
  leave(listener: HubListener): void {
    this.#listeners.delete(listener);
  }

  /** Clients currently joined. */
  get size(): number {
    return this.#listeners.size;
  }

  #start(): Promise<void> {
    this.#started ??= this.#headSeq().then((head) => {
      this.#lastSeq = head;
      this.#run().catch((error) => this.options.logger.error("stream hub stopped", { error }));
    }).catch((error) => {
      this.#started = undefined;
      throw error;
    });
    return this.#started;
  }

  async #headSeq(): Promise<number> {
    const info = await (await jetstream(this.nats).jetstreamManager()).streams.info(STREAM_NAME);
    return info.state.last_seq;
  }

  /** Reads from just after the last sequence handed out, resuming there after any failure. */
  async #run(): Promise<void> {
    const { signal } = this.options;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const consumer = await jetstream(this.nats).consumers.get(STREAM_NAME, {
          opt_start_seq: this.#lastSeq + 1,
        });
        const messages = await consumer.consume({ max_messages: 256 });
        const stop = () => messages.stop();
        signal.addEventListener("abort", stop, { once: true });
        try {
          for await (const msg of messages) {
            attempt = 0;
            this.#hand(msg);
          }
        } finally {
          signal.removeEventListener("abort", stop);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.options.logger.warn("stream hub reconnecting", { error, attempt });
      }
      await sleep(backoffDelay(attempt), signal).catch(() => {});
    }
  }

  #hand(msg: JsMsg): void {
    // Ordered consumers never skip, but a restart may repeat what was handed out already.
    if (msg.seq <= this.#lastSeq) return;
    this.#lastSeq = msg.seq;
    const frame = decodeStored(msg, this.options.signingKey);
    if (!frame) return;
    for (const listener of this.#listeners) listener.deliver(frame);
  }
}
