/** Typed reasons why bytes from the stream are not a valid signal event. */

/** Why a message could not be decoded. */
export type DecodeErrorCode =
  | "bad_json"
  | "unknown_type"
  | "unknown_version"
  | "schema"
  | "subject_mismatch"
  | "missing_signature"
  | "bad_signature";

/** A message that is not a valid signal event; `message` says why and what was seen. */
export class DecodeError extends Error {
  override name = "DecodeError";
  constructor(readonly code: DecodeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }

  /** The reason stored with a dead letter: code and explanation. */
  get reason(): string {
    return `${this.code}: ${this.message}`;
  }
}
