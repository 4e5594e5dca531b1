/**
 * A worker that decodes and projects a rebuild's batches, in order, holding the shadow's state:
 * validating and projecting events is most of a rebuild's work, and here it runs beside the
 * main thread's stream reads and database writes.
 */
/// <reference lib="deno.worker" />
import { SIGNATURE_HEADER } from "../events/mod.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import type { RawMessage } from "../projector/types.ts";
import { REGISTRY } from "../projector/registry.ts";
import { type ShadowStart, ShadowState } from "./_shadow_state.ts";

/** Messages of a batch, every payload in one transferred buffer, cut at `ends`. */
export interface PackedBatch {
  id: number;
  seqs: number[];
  subjects: string[];
  ends: number[];
  bytes: Uint8Array<ArrayBuffer>;
  /** The signature header of each message, when a key is set. */
  signatures?: (string | undefined)[];
}

/** What the worker is sent: its start once, then batches. */
export type WorkerRequest =
  | { kind: "start"; start: ShadowStart; signingKey?: string }
  | { kind: "batch"; batch: PackedBatch };

/** Unpacks a batch into the messages the decoder takes. */
export function unpack(batch: PackedBatch): RawMessage[] {
  return batch.seqs.map((seq, i) => {
    const headers: Record<string, string> = {};
    const signature = batch.signatures?.[i];
    if (signature !== undefined) headers[SIGNATURE_HEADER] = signature;
    const from = i === 0 ? 0 : batch.ends[i - 1]!;
    return {
      seq,
      subject: batch.subjects[i]!,
      data: batch.bytes.subarray(from, batch.ends[i]!),
      headers,
    };
  });
}

let state: ShadowState | undefined;
let signingKey: string | undefined;

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  if (request.kind === "start") {
    // A worker knows only the registered definitions; the caller projects others in place.
    state = new ShadowState(request.start, REGISTRY);
    signingKey = request.signingKey;
    return;
  }
  const decoded = decodeBatch(unpack(request.batch), { signingKey });
  const changes = state!.project(decoded);
  // Dead letters go back as sequence and reason; the caller still holds their bytes and headers.
  const deadLetters = changes.deadLetters.map((d) => ({ seq: d.seq, reason: d.reason }));
  self.postMessage({ id: request.batch.id, changes: { ...changes, deadLetters } });
};
