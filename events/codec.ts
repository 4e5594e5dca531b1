/** Encode events to message bytes and headers, and decode bytes back into typed events. */
import { EVENT_VERSION, SIGNAL_TYPES, SignalEvent } from "./schema.ts";
import { DecodeError } from "./errors.ts";
import { sign, SIGNATURE_HEADER, verify } from "./signing.ts";
import { subjectOf } from "./subjects.ts";

/** The header that carries the event id, used by JetStream to drop re-sent events. */
export const MSG_ID_HEADER = "Nats-Msg-Id";

/** An event ready to publish. */
export interface EncodedEvent {
  subject: string;
  bytes: Uint8Array;
  headers: Record<string, string>;
}

/** Options of {@linkcode encodeEvent}. */
export interface EncodeOptions {
  /** Sign the bytes with this key when set. @default undefined */
  signingKey?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Serialises an event and names it by its id (and signature when a key is given). */
export function encodeEvent(event: SignalEvent, options: EncodeOptions = {}): EncodedEvent {
  const bytes = encoder.encode(JSON.stringify(event));
  const headers: Record<string, string> = { [MSG_ID_HEADER]: event.id };
  if (options.signingKey) headers[SIGNATURE_HEADER] = sign(bytes, options.signingKey);
  return { subject: subjectOf(event), bytes, headers };
}

/** Options of {@linkcode decodeEvent}. */
export interface DecodeOptions {
  /** The subject the message arrived on; checked against the event when set. @default undefined */
  subject?: string;
  /** Reads a message header by name. @default undefined */
  header?: (name: string) => string | undefined;
  /** When set, an unsigned or wrongly signed message is rejected. @default undefined */
  signingKey?: string;
}

/** The result of decoding: a typed event, or the reason it is not one. */
export type DecodeResult = { ok: true; event: SignalEvent } | { ok: false; error: DecodeError };

const knownTypes: ReadonlySet<string> = new Set(SIGNAL_TYPES);

/** Parses and validates message bytes; never throws. */
export function decodeEvent(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  try {
    return { ok: true, event: decodeOrThrow(bytes, options) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error };
    throw error;
  }
}

function decodeOrThrow(bytes: Uint8Array, options: DecodeOptions): SignalEvent {
  if (options.signingKey) checkSignature(bytes, options);
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new DecodeError("bad_json", `Cannot parse message as JSON: ${preview(bytes)}`, { cause });
  }
  checkTypeAndVersion(raw);
  const parsed = SignalEvent.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") || "(root)";
    throw new DecodeError("schema", `Invalid field '${path}': ${issue?.message ?? "invalid"}`, {
      cause: parsed.error,
    });
  }
  const event = parsed.data;
  if (options.subject !== undefined && options.subject !== subjectOf(event)) {
    throw new DecodeError(
      "subject_mismatch",
      `Event belongs on '${subjectOf(event)}' but arrived on '${options.subject}'`,
    );
  }
  return event;
}

function checkSignature(bytes: Uint8Array, options: DecodeOptions): void {
  const signature = options.header?.(SIGNATURE_HEADER);
  if (!signature) {
    throw new DecodeError("missing_signature", `Header '${SIGNATURE_HEADER}' is missing`);
  }
  if (!verify(bytes, signature, options.signingKey!)) {
    throw new DecodeError("bad_signature", `Signature does not match: got '${signature}'`);
  }
}

function checkTypeAndVersion(raw: unknown): void {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new DecodeError("schema", `Event must be a JSON object: got ${JSON.stringify(raw)}`);
  }
  const { type, v } = raw as Record<string, unknown>;
  if (typeof type !== "string" || !knownTypes.has(type)) {
    throw new DecodeError(
      "unknown_type",
      `Unknown type ${JSON.stringify(type)}: expected one of ${SIGNAL_TYPES.join(", ")}`,
    );
  }
  if (v !== EVENT_VERSION) {
    throw new DecodeError(
      "unknown_version",
      `Unknown version ${JSON.stringify(v)} of '${type}': expected ${EVENT_VERSION}`,
    );
  }
}

function preview(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 80));
  return JSON.stringify(bytes.length > 80 ? `${text}…` : text);
}
