/**
 * Exactly-once publishing to JetStream: every event carries its id as `Nats-Msg-Id`, at most
 * `maxInFlight` publishes await their ack (the caller waits for a free slot: backpressure), and a
 * publish that fails or times out is retried with the same id until the stream confirms it.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { encodeEvent, type SignalEvent } from "../events/mod.ts";
import { backoffDelay, type Logger, sleep } from "../lib/mod.ts";
import type { ProducerStats } from "./stats.ts";

/** Options of {@linkcode Publisher}. */
export interface PublisherOptions {
  /** Counters to update. */
  stats: ProducerStats;
  /** Most publishes awaiting an ack at once. @default 1024 */
  maxInFlight?: number;
  /** How long to wait for an ack before trying again, in ms. @default 5000 */
  timeoutMs?: number;
  /** Sign every event with this key. @default undefined */
  signingKey?: string;
  /** Where retries are reported. @default undefined */
  logger?: Logger;
}

/** Publishes events with a bounded window of in-flight acks and retries until acknowledged. */
export class Publisher {
  readonly #js: JetStreamClient;
  readonly #stats: ProducerStats;
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #signingKey?: string;
  readonly #logger?: Logger;
  readonly #giveUp = new AbortController();
  #slotWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #lastWarnAt = 0;

  constructor(js: JetStreamClient, options: PublisherOptions) {
    this.#js = js;
    this.#stats = options.stats;
    this.#max = options.maxInFlight ?? 1024;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#signingKey = options.signingKey;
    this.#logger = options.logger;
  }

  /** Whether a publish may start now without exceeding the window. */
  get hasRoom(): boolean {
    return this.#stats.inFlight < this.#max;
  }

  /**
   * Waits until the window has drained to three quarters, so the caller then sends a run of
   * events in one go (they leave in one socket write); false when `signal` aborts first.
   */
  async waitForRoom(signal?: AbortSignal): Promise<boolean> {
    const lowWater = Math.floor(this.#max * 0.75);
    while (this.#stats.inFlight > lowWater) {
      if (signal?.aborted) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.#slotWaiters.push(wake);
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
    return !signal?.aborted;
  }

  /** Starts publishing `event` now; its ack is awaited in the background. Check `hasRoom` first. */
  send(event: SignalEvent): void {
    const stats = this.#stats;
    stats.inFlight++;
    if (stats.inFlight > stats.peakInFlight) stats.peakInFlight = stats.inFlight;
    this.#send(event).finally(() => this.#release());
  }

  /** Waits for room when the window is full, then starts publishing; false when `signal` aborts. */
  async publish(event: SignalEvent, signal?: AbortSignal): Promise<boolean> {
    if (!this.hasRoom && !await this.waitForRoom(signal)) return false;
    this.send(event);
    return true;
  }

  /** Waits until every started publish is acknowledged, or until `timeoutMs`; then stops retrying. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.#stats.inFlight > 0) {
      const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
    }
    this.#giveUp.abort();
    // Pending sends see the abort and end, counting what stays unacknowledged.
    while (this.#stats.inFlight > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  async #send(event: SignalEvent): Promise<void> {
    const encoded = encodeEvent(event, { signingKey: this.#signingKey });
    const headers = natsHeaders();
    for (const [name, value] of Object.entries(encoded.headers)) headers.set(name, value);
    const options = { headers, timeout: this.#timeoutMs };
    for (let attempt = 0;; attempt++) {
      if (this.#giveUp.signal.aborted) {
        this.#stats.unacked++;
        return;
      }
      try {
        const ack = await this.#js.publish(encoded.subject, encoded.bytes, options);
        this.#stats.recordAck(event, ack.duplicate);
        return;
      } catch (error) {
        if (this.#giveUp.signal.aborted) {
          this.#stats.unacked++;
          return;
        }
        this.#stats.retries++;
        this.#warn(error);
        await sleep(backoffDelay(attempt, { baseMs: 100, maxMs: 5000 }), this.#giveUp.signal);
      }
    }
  }

  #release(): void {
    this.#stats.inFlight--;
    // Waiters re-check the window themselves, so waking all is safe and never strands one.
    const slotWaiters = this.#slotWaiters;
    this.#slotWaiters = [];
    for (const wake of slotWaiters) wake();
    if (this.#stats.inFlight === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #warn(error: unknown): void {
    // During an outage every in-flight publish fails at once: one line a second is enough.
    const now = Date.now();
    if (now - this.#lastWarnAt < 1000) return;
    this.#lastWarnAt = now;
    this.#logger?.warn("publish failed; retrying with the same id", {
      error,
      inFlight: this.#stats.inFlight,
      retries: this.#stats.retries,
    });
  }
}
