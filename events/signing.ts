/** HMAC-SHA256 signatures over the exact bytes of an event. */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header that carries an event's signature. */
export const SIGNATURE_HEADER = "Signal-Signature";

/** The hex HMAC-SHA256 of `bytes` under `key`. */
export function sign(bytes: Uint8Array, key: string): string {
  return createHmac("sha256", key).update(bytes).digest("hex");
}

/** Whether `signature` is the HMAC of `bytes` under `key`, compared in constant time. */
export function verify(bytes: Uint8Array, signature: string, key: string): boolean {
  const expected = Buffer.from(sign(bytes, key), "hex");
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
