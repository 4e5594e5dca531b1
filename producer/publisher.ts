/**
 * Exactly-once publishing to JetStream, asynchronously: each event is published to its stream
 * subject with `Nats-Msg-Id` = event id and a reply subject on which JetStream answers with its
 * PubAck (the protocol of Go's `PublishAsync`). At most `maxInFlight` events await their ack (the
 * caller waits for room: backpressure), and an event whose ack fails or does not come in time is
 * sent again with the same id until the stream confirms it, so the stream holds it once.
 */
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/nats-core";
import { encodeEvent, type SignalEvent, toNatsHeaders } from "../events/mod.ts";
import { backoffDelay, type Logger } from "../lib/mod.ts";
import type { ProducerStats } from "./stats.ts";

/** Options of {@linkcode Publisher}. */
export interface PublisherOptions {
  /** Counters to update. */
  stats: ProducerStats;
  /** Most events awaiting an ack at once. @default 1024 */
  maxInFlight?: number;
  /** How long to wait for an ack before sending again, in ms. @default 5000 */
  timeoutMs?: number;
  /** Sign every event with this key. @default undefined */
  signingKey?: string;
  /** Where retries are reported. @default undefined */
  logger?: Logger;
}

interface Pending {
  event: SignalEvent;
  subject: string;
  bytes: Uint8Array;
  headers: MsgHdrs;
  attempt: number;
  /** When the current attempt times out, or when the next attempt is due. */
  dueAt: number;
  waiting: boolean;
}

/** How often timeouts and due retries are checked, in ms. */
const SWEEP_MS = 100;

/** Publishes events with a bounded window of in-flight acks and retries until acknowledged. */
export class Publisher {
  readonly #nc: NatsConnection;
  readonly #stats: ProducerStats;
  readonly #max: number;
  readonly #lowWater: number;
  readonly #timeoutMs: number;
  readonly #signingKey?: string;
  readonly #logger?: Logger;
  readonly #inbox = createInbox();
  readonly #pending = new Map<string, Pending>();
  readonly #sub: Subscription;
  readonly #sweeper: ReturnType<typeof setInterval>;
  #next = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #lastWarnAt = 0;

  constructor(nc: NatsConnection, options: PublisherOptions) {
    this.#nc = nc;
    this.#stats = options.stats;
    this.#max = options.maxInFlight ?? 1024;
    this.#lowWater = Math.floor(this.#max * 0.75);
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#signingKey = options.signingKey;
    this.#logger = options.logger;
    // One subscription for every ack; nats.js renews it after a reconnect.
    this.#sub = nc.subscribe(`${this.#inbox}.*`, { callback: (_error, msg) => this.#onReply(msg) });
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
  }

  /** Whether an event may be sent now without exceeding the window. */
  get hasRoom(): boolean {
    return this.#pending.size < this.#max;
  }

  /**
   * Waits until the window has drained to three quarters, so the caller then sends a run of
   * events in one go (they leave in one socket write); false when `signal` aborts first.
   */
  async waitForRoom(signal?: AbortSignal): Promise<boolean> {
    while (this.#pending.size > this.#lowWater) {
      if (signal?.aborted) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.#roomWaiters.push(wake);
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
    return !signal?.aborted;
  }

  /** Sends `event` now; its ack is awaited in the background. Check `hasRoom` first. */
  send(event: SignalEvent): void {
    const encoded = encodeEvent(event, { signingKey: this.#signingKey });
    const token = String(this.#next++);
    const pending: Pending = {
      event,
      subject: encoded.subject,
      bytes: encoded.bytes,
      headers: toNatsHeaders(encoded.headers),
      attempt: 0,
      dueAt: 0,
      waiting: false,
    };
    this.#pending.set(token, pending);
    const stats = this.#stats;
    stats.inFlight = this.#pending.size;
    if (stats.inFlight > stats.peakInFlight) stats.peakInFlight = stats.inFlight;
    this.#transmit(token, pending);
  }

  /** Waits until every sent event is acknowledged, or `timeoutMs`; then gives up on the rest. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.#pending.size > 0) {
      const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
    }
    clearInterval(this.#sweeper);
    this.#stats.unacked += this.#pending.size;
    this.#pending.clear();
    this.#stats.inFlight = 0;
    if (!this.#nc.isClosed()) this.#sub.unsubscribe();
    this.#wake();
  }

  #transmit(token: string, pending: Pending): void {
    pending.waiting = false;
    pending.dueAt = Date.now() + this.#timeoutMs;
    try {
      this.#nc.publish(pending.subject, pending.bytes, {
        reply: `${this.#inbox}.${token}`,
        headers: pending.headers,
      });
    } catch (error) {
      this.#retryLater(pending, error);
    }
  }

  #onReply(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    const pending = this.#pending.get(token);
    // A late ack of an event already confirmed (an earlier attempt's) needs nothing.
    if (!pending) return;
    if (msg.headers?.hasError || msg.data.length === 0) {
      // Typically 503 "no responders": JetStream is not (yet) serving the stream.
      const status = msg.headers ? `${msg.headers.code} ${msg.headers.description}` : "empty";
      return this.#retryLater(pending, new Error(`JetStream answered ${status}`));
    }
    let ack: {
      stream?: string;
      duplicate?: boolean;
      error?: { code?: number; description?: string };
    };
    try {
      ack = msg.json();
    } catch (error) {
      return this.#retryLater(pending, error);
    }
    if (ack.error || !ack.stream) {
      const reason = ack.error ? `${ack.error.code} ${ack.error.description}` : "no stream";
      return this.#retryLater(pending, new Error(`JetStream refused the event: ${reason}`));
    }
    this.#pending.delete(token);
    this.#stats.inFlight = this.#pending.size;
    this.#stats.recordAck(pending.event, ack.duplicate === true);
    this.#wake();
  }

  #retryLater(pending: Pending, error: unknown): void {
    if (pending.waiting) return;
    this.#stats.retries++;
    pending.waiting = true;
    pending.dueAt = Date.now() + backoffDelay(pending.attempt++, { baseMs: 100, maxMs: 5000 });
    this.#warn(error);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [token, pending] of this.#pending) {
      if (now < pending.dueAt) continue;
      if (pending.waiting) this.#transmit(token, pending);
      else this.#retryLater(pending, new Error(`no ack within ${this.#timeoutMs} ms`));
    }
  }

  #wake(): void {
    // Waiters re-check the window themselves, so waking all is safe and never strands one.
    if (this.#pending.size <= this.#lowWater) {
      const roomWaiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const wake of roomWaiters) wake();
    }
    if (this.#pending.size === 0) {
      const idle = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  #warn(error: unknown): void {
    // During an outage every in-flight event fails at once: one line a second is enough.
    const now = Date.now();
    if (now - this.#lastWarnAt < 1000) return;
    this.#lastWarnAt = now;
    this.#logger?.warn("publish failed; retrying with the same id", {
      error,
      inFlight: this.#pending.size,
      retries: this.#stats.retries,
    });
  }
}
