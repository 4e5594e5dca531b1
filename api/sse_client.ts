/**
 * One `/stream` client: a queue bounded in bytes between the log and the socket. The response
 * body pulls from the queue only as fast as the socket drains, so a client that stops reading
 * fills its own queue and nothing else; past the bound it is cut off with a final `error` event
 * that says where to resume.
 */
import type { HubListener } from "./stream_hub.ts";
import { sseFrame, type StoredFrame } from "./stream_frame.ts";

/** Options of {@linkcode SseClient}. */
export interface SseClientOptions {
  /** Bytes that may wait for the socket before the client is cut off. */
  bufferBytes: number;
  /** Which stored events this client wants. */
  accepts: (frame: StoredFrame) => boolean;
  /** Called once when the client is gone, whatever the reason. */
  onClose: () => void;
}

/** How long a cut-off client gets to read its final `error` event before the socket closes. */
const FAREWELL_MS = 1000;

/** A client's queue and the response body that drains it. */
export class SseClient implements HubListener {
  readonly body: ReadableStream<Uint8Array>;
  #queue: Uint8Array[] = [];
  #bytes = 0;
  #wake: (() => void) | undefined;
  #ending = false;
  #closed = false;
  /** Live events held back while a resumed client catches up from the log. */
  #held: StoredFrame[] | undefined = [];
  #heldBytes = 0;
  /** The last stream sequence queued for this client. */
  #lastSeq = 0;
  #controller!: ReadableStreamDefaultController<Uint8Array>;

  constructor(private readonly options: SseClientOptions) {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: (controller) => this.#pull(controller),
      cancel: () => this.#close(),
    }, { highWaterMark: 0 });
  }

  /** The last stream sequence queued for this client. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** True once the client is gone or being cut off. */
  get ended(): boolean {
    return this.#ending || this.#closed;
  }

  /** Bytes waiting for the socket. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /** Whether this client wants a stored event. */
  accepts(frame: StoredFrame): boolean {
    return this.options.accepts(frame);
  }

  /** From the hub: held back while catching up, queued once live. */
  deliver(frame: StoredFrame): void {
    if (this.ended || !this.options.accepts(frame)) return;
    if (this.#held) {
      this.#held.push(frame);
      this.#heldBytes += frame.bytes.length;
      if (this.#heldBytes > this.options.bufferBytes) this.cutOff("fell behind the live stream");
      return;
    }
    this.queueStored(frame);
  }

  /** Queues a stored event (from the hub, or from catching up with the log). */
  queueStored(frame: StoredFrame): void {
    if (frame.seq <= this.#lastSeq) return;
    this.#lastSeq = frame.seq;
    this.send(frame.bytes);
  }

  /** Ends catching up: what the hub held back is queued, and the client is live. */
  goLive(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#heldBytes = 0;
    for (const frame of held) this.queueStored(frame);
  }

  /** Queues bytes, or cuts the client off when they would pass its bound. */
  send(bytes: Uint8Array): void {
    if (this.ended) return;
    if (this.#bytes + bytes.length > this.options.bufferBytes) {
      return this.cutOff("too slow: the unread events passed the buffer bound");
    }
    this.#push(bytes);
  }

  /** Waits until the queue is below half its bound; false if the client ended first. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && this.#bytes > this.options.bufferBytes / 2) {
      if (Date.now() > deadline) {
        this.cutOff("too slow: did not read while catching up");
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return !this.ended;
  }

  /** Drops what is queued, sends a final `error` event naming where to resume, then closes. */
  cutOff(reason: string): void {
    if (this.ended) return;
    this.#ending = true;
    this.#queue = [];
    this.#bytes = 0;
    const resume = { reason, lastEventId: this.#lastSeq, resumeWith: "Last-Event-ID" };
    this.#push(sseFrame("error", JSON.stringify(resume)));
    // A client that does not read even this is closed anyway, so its socket is freed.
    setTimeout(() => this.#close({ abort: true }), FAREWELL_MS);
  }

  /** Ends the stream normally. */
  end(): void {
    if (this.ended) return;
    this.#ending = true;
    this.#wake?.();
  }

  #push(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    this.#bytes += bytes.length;
    this.#wake?.();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.#queue.length === 0) {
      if (this.#ending || this.#closed) return this.#close();
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    const chunk = this.#queue.length === 1 ? this.#queue[0]! : concat(this.#queue);
    this.#queue = [];
    this.#bytes = 0;
    if (!this.#closed) controller.enqueue(chunk);
  }

  #close(options: { abort?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ending = true;
    this.#queue = [];
    this.#bytes = 0;
    this.#held = undefined;
    this.#wake?.();
    try {
      // Aborting drops an unread final frame with the connection; closing would wait for it.
      if (options.abort) this.#controller.error(new Error("SSE client cut off"));
      else this.#controller.close();
    } catch {
      // Already closed or cancelled by the client.
    }
    this.options.onClose();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
