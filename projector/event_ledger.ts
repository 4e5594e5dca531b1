/**
 * Exactly once at any delay, the pure rule. The event id in the signed body is an event's
 * identity; the ledger remembers, for each id applied, the stream sequence it was first stored
 * at and a hash of its exact bytes. A later copy with the same bytes is skipped; a later copy
 * with other bytes is dead-lettered as `conflicting_duplicate`; every read model keeps the first.
 * The same stream message applied again (same sequence) is not a copy: checkpoints decide it.
 */
import { encodeEvent } from "../events/mod.ts";
import type { DeadLetterRow, DecodedBatch, StreamEvent } from "./types.ts";

/** One row of the ledger. */
export interface LedgerEntry {
  event_id: string;
  /** The stream sequence the id was first stored at. */
  seq: number;
  /** A 53-bit hash of the message's bytes (see {@linkcode bodyHash}), as a decimal string. */
  body_hash: string;
}

/** The reason of a dead letter whose id is known with another body. */
export const CONFLICTING_DUPLICATE = "conflicting_duplicate";

/**
 * A 53-bit hash of an event's exact bytes (of its re-encoding when the bytes are not at hand).
 * It only has to tell two bodies under one event id apart, and it runs for every event: a fast
 * non-cryptographic hash (cyrb53: two 32-bit multiply-xor lanes) costs about a twentieth of a
 * SHA-256 here. A forged body with the same hash would be skipped as a copy instead of
 * dead-lettered; either way the read models keep the first body.
 */
export function bodyHash(event: StreamEvent): string {
  let hash = hashes.get(event);
  if (hash === undefined) {
    hash = String(cyrb53(event.message?.data ?? encodeEvent(event.event).bytes));
    hashes.set(event, hash);
  }
  return hash;
}

// The ledger check and the rule both need the hash of the same event objects.
const hashes = new WeakMap<StreamEvent, string>();

function cyrb53(bytes: Uint8Array): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The ledger entries a batch would add: the first occurrence of each id after `floor`. */
export function ledgerCandidates(batch: DecodedBatch, floor: number): LedgerEntry[] {
  const seen = new Set<string>();
  const entries: LedgerEntry[] = [];
  for (const e of batch.events) {
    if (e.seq <= floor || seen.has(e.event.id)) continue;
    seen.add(e.event.id);
    entries.push({ event_id: e.event.id, seq: e.seq, body_hash: bodyHash(e) });
  }
  return entries;
}

/** A dead letter of a decoded event, with its original bytes and headers. */
export function deadLetterOf(event: StreamEvent, reason: string): DeadLetterRow {
  const original = event.message ??
    { ...encodeEvent(event.event), data: encodeEvent(event.event).bytes };
  return {
    seq: event.seq,
    subject: original.subject,
    reason: reason.replaceAll("\0", "\uFFFD"),
    raw: original.data,
    headers: Object.fromEntries(
      Object.entries(original.headers).map(([k, v]) => [k, v.replaceAll("\0", "\uFFFD")]),
    ),
  };
}

/**
 * Applies the rule to the events after `floor`, in stream order, against `known` (the ledger as
 * it was; the batch's new ids are added to it). Returns the batch without copies, conflicting
 * copies moved to its dead letters, and how many copies were skipped.
 */
export function applyLedger(
  batch: DecodedBatch,
  known: Map<string, LedgerEntry>,
  floor: number,
): { batch: DecodedBatch; skipped: number } {
  const events: StreamEvent[] = [];
  const conflicts: DeadLetterRow[] = [];
  let skipped = 0;
  for (const e of batch.events) {
    if (e.seq <= floor) {
      events.push(e);
      continue;
    }
    const first = known.get(e.event.id);
    // Unknown, or this very message (a projection behind the others applies it again).
    if (!first || first.seq >= e.seq) {
      if (!first) {
        known.set(e.event.id, { event_id: e.event.id, seq: e.seq, body_hash: bodyHash(e) });
      }
      events.push(e);
    } else if (first.body_hash === bodyHash(e)) {
      skipped++;
    } else {
      conflicts.push(deadLetterOf(
        e,
        `${CONFLICTING_DUPLICATE}: event id ${e.event.id} was first stored at sequence ` +
          `${first.seq} with another body`,
      ));
    }
  }
  if (conflicts.length === 0 && skipped === 0) return { batch, skipped };
  const deadLetters = [...batch.deadLetters, ...conflicts].sort((a, b) => a.seq - b.seq);
  return { batch: { events, deadLetters, lastSeq: batch.lastSeq }, skipped };
}
