/** Shared vocabulary of the projector: stream messages and bookkeeping rows. */
import type { SignalEvent } from "../events/mod.ts";

/** A message as read from the stream, before decoding. */
export interface RawMessage {
  /** Stream sequence. */
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
}

/** A decoded event with the stream sequence it was stored at. */
export interface StreamEvent {
  seq: number;
  event: SignalEvent;
  /** The message it was decoded from, kept for a dead letter should the database refuse it. */
  message?: RawMessage;
}

/** A message that is not a valid event, kept with the reason. */
export interface DeadLetterRow {
  seq: number;
  subject: string;
  reason: string;
  raw: Uint8Array;
  headers: Record<string, string>;
}

/** How far a projection has read the stream. */
export interface CheckpointRow {
  /** The projection's name. */
  projection: string;
  last_seq: number;
  /** The latest occurredAt among the events it has projected (ISO), or null. */
  last_event_at: string | null;
}

/** A batch after decoding: valid events and dead letters, both ordered by sequence. */
export interface DecodedBatch {
  events: StreamEvent[];
  deadLetters: DeadLetterRow[];
  /** The highest sequence in the batch, valid or not; 0 for an empty batch. */
  lastSeq: number;
}
