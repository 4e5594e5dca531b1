/** ETags for answers that cannot change any more, honouring `If-None-Match`. */
import { createHash } from "node:crypto";
import type { Context } from "hono";

/** Options of {@linkcode jsonWithEtag}. */
export interface EtagOptions {
  /** Attach an ETag and honour If-None-Match. @default false */
  cacheable?: boolean;
  /** Status of a fresh answer. @default 200 */
  status?: number;
}

/**
 * A strong ETag: the first 128 bits of the body's SHA-256. node:crypto hashes the string
 * synchronously in native code; WebCrypto's digest cost 8% of a busy API's CPU in a profile.
 */
export function etagOf(text: string | Uint8Array): string {
  return `"${createHash("sha256").update(text).digest("hex").slice(0, 32)}"`;
}

/** True when an If-None-Match header lists `etag` (or `*`). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").map((tag) => tag.trim().replace(/^W\//, "")).some((tag) =>
    tag === etag || tag === "*"
  );
}

/** Answers `body` as JSON; when cacheable, with an ETag, and 304 when the client has it already. */
export function jsonWithEtag(
  c: Context,
  body: unknown,
  options: EtagOptions = {},
): Response {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.cacheable) {
    const etag = etagOf(text);
    headers["etag"] = etag;
    headers["cache-control"] = "private, no-cache";
    if (matchesEtag(c.req.header("if-none-match"), etag)) {
      return new Response(null, {
        status: 304,
        headers: { etag, "cache-control": "private, no-cache" },
      });
    }
  }
  return new Response(text, { status: options.status ?? 200, headers });
}
