/**
 * Decoding off the main thread: a pool of workers running the projector's own `decodeBatch`.
 * Validating events is the largest cost of a rebuild; in workers it overlaps with reading the
 * stream and writing PostgreSQL on the main thread. With no workers it decodes in place.
 */
import { SIGNATURE_HEADER } from "../../events/mod.ts";
import { decodeBatch } from "../decode_batch.ts";
import type { DecodedBatch, RawMessage, StreamEvent } from "../types.ts";
import type { DecodeRequest } from "./_decode_worker.ts";

interface DecodeReply {
  id: number;
  events: StreamEvent[];
  deadLetters: { seq: number; reason: string }[];
  lastSeq: number;
}

/** Decodes batches in order of submission; `close` ends the workers. */
export class DecodePool {
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, {
    resolve: (batch: DecodedBatch) => void;
    reject: (error: unknown) => void;
    messages: RawMessage[];
  }>();
  readonly #signingKey?: string;
  #next = 0;

  /** Starts `workers` workers (0 decodes on the calling thread). */
  constructor(options: { workers: number; signingKey?: string }) {
    this.#signingKey = options.signingKey;
    for (let i = 0; i < options.workers; i++) {
      const worker = new Worker(new URL("./_decode_worker.ts", import.meta.url), {
        type: "module",
      });
      worker.onmessage = (e: MessageEvent<DecodeReply>) => this.#done(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        for (const waiting of this.#waiting.values()) waiting.reject(new Error(e.message));
        this.#waiting.clear();
      };
      this.#workers.push(worker);
    }
  }

  /** How many batches may usefully be in flight at once. */
  get depth(): number {
    return this.#workers.length + 1;
  }

  /** Decodes one batch, exactly as the live projector would. */
  decode(messages: RawMessage[]): Promise<DecodedBatch> {
    if (this.#workers.length === 0) {
      return Promise.resolve(decodeBatch(messages, { signingKey: this.#signingKey }));
    }
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, messages });
      const request = this.#request(id, messages);
      worker.postMessage(request, [request.bytes.buffer]);
    });
  }

  /** Ends the workers; pending decodes fail. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
    for (const waiting of this.#waiting.values()) waiting.reject(new Error("decode pool closed"));
    this.#waiting.clear();
  }

  // One buffer for the whole batch: a payload view would otherwise carry its whole read buffer.
  #request(id: number, messages: RawMessage[]): DecodeRequest {
    let total = 0;
    for (const m of messages) total += m.data.length;
    const bytes = new Uint8Array(total);
    const ends: number[] = [];
    let at = 0;
    for (const m of messages) {
      bytes.set(m.data, at);
      at += m.data.length;
      ends.push(at);
    }
    return {
      id,
      seqs: messages.map((m) => m.seq),
      subjects: messages.map((m) => m.subject),
      ends,
      bytes,
      // Headers are parsed lazily on this thread; the worker needs only the signature.
      signatures: this.#signingKey ? messages.map((m) => m.headers[SIGNATURE_HEADER]) : undefined,
      signingKey: this.#signingKey,
    };
  }

  #done(reply: DecodeReply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    const bySeq = new Map(waiting.messages.map((m) => [m.seq, m]));
    const deadLetters = reply.deadLetters.map(({ seq, reason }) => {
      const m = bySeq.get(seq)!;
      return { seq, subject: m.subject, reason, raw: m.data, headers: m.headers };
    });
    waiting.resolve({ events: reply.events, deadLetters, lastSeq: reply.lastSeq });
  }
}
