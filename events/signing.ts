/** HMAC-SHA256 signatures over the exact bytes of an event. */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header that carries an event's signature. */
export const SIGNATURE_HEADER = "Signal-Signature";

function hmac(bytes: Uint8Array, key: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(bytes).digest());
}

/** The hex HMAC-SHA256 of `bytes` under `key`. */
export function sign(bytes: Uint8Array, key: string): string {
  return hmac(bytes, key).toHex();
}

/** Whether `signature` is the hex HMAC of `bytes` under `key`, compared in constant time. */
export function verify(bytes: Uint8Array, signature: string, key: string): boolean {
  let given: Uint8Array;
  try {
    given = Uint8Array.fromHex(signature);
  } catch {
    return false; // not hex at all
  }
  const expected = hmac(bytes, key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
