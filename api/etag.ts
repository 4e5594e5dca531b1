/** ETags for answers that cannot change any more, honouring `If-None-Match`. */
import type { Context } from "hono";

/** Options of {@linkcode jsonWithEtag}. */
export interface EtagOptions {
  /** Attach an ETag and honour If-None-Match. @default false */
  cacheable?: boolean;
  /** Status of a fresh answer. @default 200 */
  status?: number;
}

/** A strong ETag: the SHA-256 of the body. */
export async function etagOf(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = Array.from(
    new Uint8Array(hash).subarray(0, 16),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return `"${hex}"`;
}

/** True when an If-None-Match header lists `etag` (or `*`). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").map((tag) => tag.trim().replace(/^W\//, "")).some((tag) =>
    tag === etag || tag === "*"
  );
}

/** Answers `body` as JSON; when cacheable, with an ETag, and 304 when the client has it already. */
export async function jsonWithEtag(
  c: Context,
  body: unknown,
  options: EtagOptions = {},
): Promise<Response> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.cacheable) {
    const etag = await etagOf(text);
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
