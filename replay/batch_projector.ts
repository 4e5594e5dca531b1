/**
 * Turns a rebuild's message batches into row changes, in order: decoded with the projector's
 * `decodeBatch` and projected with its `projectBatch` against the shadow's state. With a worker
 * (the default) this runs beside reading and writing; without one it runs in place, the same way.
 */
import { SIGNATURE_HEADER } from "../events/mod.ts";
import {
  type AnyProjection,
  type DeadLetterRow,
  decodeBatch,
  type RawMessage,
  REGISTRY,
} from "../projector/mod.ts";
import type { PackedBatch, WorkerRequest } from "./_project_worker.ts";
import { type ProjectedBatch, type ShadowStart, ShadowState } from "./_shadow_state.ts";

interface Reply {
  id: number;
  changes: Omit<ProjectedBatch, "deadLetters"> & { deadLetters: { seq: number; reason: string }[] };
}

/** Decodes and projects batches in submission order; `close` ends its worker. */
export class BatchProjector {
  readonly #worker?: Worker;
  #state?: ShadowState;
  readonly #projections: readonly AnyProjection[];
  readonly #signingKey?: string;
  readonly #waiting = new Map<number, {
    resolve: (changes: ProjectedBatch) => void;
    reject: (error: unknown) => void;
    messages: RawMessage[];
  }>();
  #next = 0;

  /**
   * Starts from the shadow's seeded state, in a worker unless `inWorker` is false. A worker
   * loads the registered definitions itself; with any other definition among `projections`
   * (one added at run time), the batches are projected in place.
   */
  constructor(
    start: ShadowStart,
    options: { inWorker: boolean; signingKey?: string; projections?: readonly AnyProjection[] },
  ) {
    this.#signingKey = options.signingKey;
    const projections = options.projections ?? REGISTRY;
    this.#projections = projections;
    const registered = projections.every((d) => (REGISTRY as readonly AnyProjection[]).includes(d));
    if (!options.inWorker || !registered) {
      this.#state = new ShadowState(start, projections);
      return;
    }
    this.#worker = new Worker(new URL("./_project_worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<Reply>) => this.#done(e.data);
    this.#worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(new Error(`replay worker failed: ${e.message}`));
    };
    this.#worker.postMessage(
      { kind: "start", start, signingKey: options.signingKey } satisfies WorkerRequest,
    );
  }

  /** How many batches may usefully be in flight at once. */
  get depth(): number {
    return this.#worker ? 2 : 1;
  }

  /** The row changes of the next batch; batches must come in stream order. */
  project(messages: RawMessage[]): Promise<ProjectedBatch> {
    if (this.#state) {
      return Promise.resolve(
        this.#state.project(decodeBatch(messages, { signingKey: this.#signingKey })),
      );
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, messages });
      const batch = this.#pack(id, messages);
      this.#worker!.postMessage({ kind: "batch", batch } satisfies WorkerRequest, [
        batch.bytes.buffer,
      ]);
    });
  }

  /**
   * Starts over from `start` (the shadow as now written), keeping the worker: batches still in
   * flight must have settled.
   */
  restart(start: ShadowStart): void {
    if (this.#state) {
      this.#state = new ShadowState(start, this.#projections);
      return;
    }
    this.#worker!.postMessage(
      { kind: "start", start, signingKey: this.#signingKey } satisfies WorkerRequest,
    );
  }

  /** Ends the worker; batches still in it fail. */
  close(): void {
    this.#worker?.terminate();
    this.#fail(new Error("batch projector closed"));
  }

  #fail(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }

  // One buffer for the whole batch: a payload view would otherwise carry its whole read buffer.
  #pack(id: number, messages: RawMessage[]): PackedBatch {
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
    };
  }

  #done(reply: Reply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    const bySeq = new Map(waiting.messages.map((m) => [m.seq, m]));
    const deadLetters: DeadLetterRow[] = reply.changes.deadLetters.map(({ seq, reason }) => {
      const m = bySeq.get(seq)!;
      return { seq, subject: m.subject, reason, raw: m.data, headers: m.headers };
    });
    waiting.resolve({ ...reply.changes, deadLetters });
  }
}
