/** A worker that decodes batches of stream messages, so decoding runs beside reading and writing. */
/// <reference lib="deno.worker" />
import { SIGNATURE_HEADER } from "../../events/mod.ts";
import { decodeBatch } from "../decode_batch.ts";
import type { RawMessage } from "../types.ts";

/** A batch to decode: every payload in one transferred buffer, cut at `ends`. */
export interface DecodeRequest {
  id: number;
  seqs: number[];
  subjects: string[];
  ends: number[];
  bytes: Uint8Array<ArrayBuffer>;
  /** The signature header of each message, when a key is set. */
  signatures?: (string | undefined)[];
  signingKey?: string;
}

self.onmessage = (e: MessageEvent<DecodeRequest>) => {
  const { id, seqs, subjects, ends, bytes, signatures, signingKey } = e.data;
  const messages: RawMessage[] = seqs.map((seq, i) => {
    const signature = signatures?.[i];
    const headers: Record<string, string> = {};
    if (signature !== undefined) headers[SIGNATURE_HEADER] = signature;
    return {
      seq,
      subject: subjects[i]!,
      data: bytes.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!),
      headers,
    };
  });
  const batch = decodeBatch(messages, { signingKey });
  // Dead letters go back as sequence and reason; the caller still holds their bytes and headers.
  const deadLetters = batch.deadLetters.map((d) => ({ seq: d.seq, reason: d.reason }));
  self.postMessage({ id, events: batch.events, deadLetters, lastSeq: batch.lastSeq });
};
