/**
 * Middleware that answers a repeated read from memory. It runs after authentication, so a
 * request is refused or let through exactly as without it; it keeps only 200 answers of the reads
 * over the read models, keyed by the normalised request, for the version of the read models they
 * were read at; and it neither serves nor stores while that version is unknown.
 */
import type { MiddlewareHandler } from "hono";
import type { AnswerCache, CachedAnswer } from "./answer_cache.ts";
import { wantsCsv } from "./csv.ts";
import { etagOf, matchesEtag } from "./etag.ts";
import type { ReadModelVersion } from "./read_model_version.ts";
import type { AppEnv } from "./_route.ts";

/** Reads of the read models. Raw events come from the stream; `/stream` and the rest are live. */
const CACHED_PATH = /^\/(signals\/[^/]+(\/[^/]+)?|machines(\/[^/]+)?|failures)$/;
const REVALIDATE = "private, no-cache";

/** Whether a GET of `path` is answered from the cache. */
export function isCachedPath(path: string): boolean {
  return CACHED_PATH.test(path);
}

/**
 * The cache key of a request: the path, the query parameters ordered by name (a repeated
 * parameter keeps the order of its values) and whether the answer is CSV by `Accept`.
 */
export function answerKey(url: URL, accept: string | undefined): string {
  const params = [...url.searchParams];
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return `${url.pathname}?${query.join("&")}#${wantsCsv(undefined, accept) ? "csv" : "json"}`;
}

/** Cache figures for `/metrics`. */
export interface CacheCounts {
  hits: number;
  misses: number;
  /** Reads answered without the cache because the read models' version was unknown. */
  bypassed: number;
  stored: number;
}

/** The middleware over `cache`, keyed on `version`; `counts` is updated as it goes. */
export function cachedAnswers(
  cache: AnswerCache,
  version: ReadModelVersion,
  counts: CacheCounts,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "GET" || !isCachedPath(c.req.path)) return await next();
    const before = version.current();
    if (before === undefined) {
      counts.bypassed++;
      return await next();
    }
    const key = answerKey(new URL(c.req.url), c.req.header("accept"));
    const hit = cache.get(key, before);
    if (hit) {
      counts.hits++;
      c.set("cachedRoute", hit.route);
      if (matchesEtag(c.req.header("if-none-match"), hit.etag)) {
        return new Response(null, {
          status: 304,
          headers: { etag: hit.etag, "cache-control": REVALIDATE },
        });
      }
      return new Response(hit.body, { status: 200, headers: hit.headers });
    }
    counts.misses++;
    await next();
    const res = c.res;
    if (res.status !== 200 || !res.body) return;
    const route = c.req.routePath;
    const headers = [...res.headers].filter(([name]) => name !== "etag" && name !== "set-cookie");
    const store = (body: Uint8Array<ArrayBuffer>) => {
      // Read at another version, the answer may predate a commit: it is not kept.
      if (version.current() !== before) return;
      const etag = etagOf(body);
      const answer: CachedAnswer = {
        body,
        headers: [...headers, ["etag", etag], ["cache-control", REVALIDATE]],
        etag,
        route,
      };
      if (cache.set(key, before, answer)) counts.stored++;
    };
    // The body passes through as it is produced (a CSV export streams) and is kept on the side
    // until it outgrows the largest entry.
    const chunks: Uint8Array[] = [];
    let size = 0;
    const copy = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        if (size > cache.maxEntryBytes) return;
        size += chunk.byteLength;
        chunks.push(chunk);
      },
      flush() {
        if (size > cache.maxEntryBytes) return;
        const body = new Uint8Array(size);
        let at = 0;
        for (const chunk of chunks) {
          body.set(chunk, at);
          at += chunk.byteLength;
        }
        store(body);
      },
    });
    c.res = new Response(res.body.pipeThrough(copy), { status: 200, headers: res.headers });
  };
}
