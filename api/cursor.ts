/** Opaque keyset cursors: the sort key of the last row returned, base64url-encoded JSON. */
import { z } from "zod";

const CursorBody = z.object({
  /** The list this cursor belongs to, so a cursor of one list is refused by another. */
  s: z.string(),
  /** Sort order the cursor was issued for. */
  o: z.enum(["asc", "desc"]),
  /** The key: times as decimal microseconds, sequences, machine ids. */
  k: z.array(z.union([z.string().max(200), z.number().int()])).min(1).max(3),
});

/** A decoded cursor. */
export type Cursor = z.infer<typeof CursorBody>;

/** Encodes a cursor as an opaque URL-safe string. */
export function encodeCursor(cursor: Cursor): string {
  return new TextEncoder().encode(JSON.stringify(cursor))
    .toBase64({ alphabet: "base64url", omitPadding: true });
}

/** Decodes a cursor; null when it is malformed or not one of ours. */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(text)) return null;
  try {
    const bytes = Uint8Array.fromBase64(text, { alphabet: "base64url" });
    const parsed = CursorBody.safeParse(JSON.parse(new TextDecoder("utf-8", { fatal: true })
      .decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
