/**
 * Answers a repeated read from memory, in front of the app. A request is answered from the cache
 * only when it would pass the app's own checks unchanged (a GET without a body on a read of the
 * read models, with a valid key where keys are needed) and an answer is stored for it at the
 * read models' current version; everything else, errors and refusals included, goes through the
 * app. What is stored is the app's final 200 answer with every header its middleware set (CSP,
 * security headers, CORS), so a repeat differs only in its `X-Request-Id`.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AnswerCache, CachedAnswer } from "./answer_cache.ts";
import { type ApiKey, keyOf } from "./auth.ts";
import { wantsCsv } from "./csv.ts";
import { etagOf, matchesEtag } from "./etag.ts";
import type { ReadModelVersion } from "./read_model_version.ts";
import type { AppEnv } from "./_route.ts";

/** Reads of the read models. Raw events come from the stream; `/stream` and the rest are live. */
const CACHED_PATH = /^\/(signals\/[^/]+(\/[^/]+)?|machines(\/[^/]+)?|failures)$/;
const REVALIDATE = "private, no-cache";
const BEARER = /^Bearer\s+(\S+)\s*$/i;
// Hono's requestId middleware keeps a client's id only when it has this form and length.
const REQUEST_ID = /^[\w\-=]{1,128}$/;
// Per request, never stored; the content headers do not belong on a 304.
const PER_REQUEST = new Set(["x-request-id", "set-cookie", "etag", "cache-control"]);
const CONTENT = new Set(["content-type", "content-disposition", "content-length"]);

/** Whether a GET of `path` may be answered from the cache. */
export function isCachedPath(path: string): boolean {
  return CACHED_PATH.test(path);
}

/**
 * The cache key of a request: the path, the query parameters ordered by name (a repeated
 * parameter keeps the order of its values), whether the answer is CSV by `Accept`, and the
 * `Origin` (CORS headers depend on it).
 */
export function answerKey(url: URL, headers: Headers): string {
  let query = url.search;
  if (query.includes("&")) {
    const params = [...url.searchParams];
    params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  }
  const format = wantsCsv(undefined, headers.get("accept") ?? undefined) ? "csv" : "json";
  return `${url.pathname}?${query}#${format}#${headers.get("origin") ?? ""}`;
}

/** Cache figures for `/metrics`. */
export interface CacheCounts {
  hits: number;
  misses: number;
  /** Reads answered without the cache because the read models' version was unknown. */
  bypassed: number;
  stored: number;
}

/** What {@linkcode serveFromMemory} needs besides the app. */
export interface MemoryOptions {
  cache: AnswerCache;
  version: ReadModelVersion;
  counts: CacheCounts;
  /** The keys a read needs one of; undefined when reads are open. */
  keys: ApiKey[] | undefined;
  /** The route pattern the app answered a request with (filled by its access-log middleware). */
  routes: WeakMap<Request, string>;
  /** Records a request answered from memory, as the app's access log and metrics would. */
  record(
    answer: { requestId: string; path: string; route: string; status: number; ms: number },
  ): void;
}

/** Puts the cache in front of `app.fetch` (and so of `app.request`). */
export function serveFromMemory(app: OpenAPIHono<AppEnv>, options: MemoryOptions): void {
  const inner = app.fetch as (request: Request, ...rest: unknown[]) => Promise<Response>;
  const { cache, version, counts, keys } = options;
  const fills = new Map<string, Fill>();
  const authorised = (header: string | null) => {
    if (!keys) return true;
    const match = BEARER.exec(header ?? "");
    return match !== null && keyOf(match[1]!, keys) !== undefined;
  };
  app.fetch = async (request: Request, ...rest: unknown[]) => {
    const started = performance.now();
    if (request.method !== "GET" || request.body !== null) return await inner(request, ...rest);
    const url = new URL(request.url);
    if (!isCachedPath(url.pathname) || !authorised(request.headers.get("authorization"))) {
      return await inner(request, ...rest);
    }
    const before = version.current();
    if (before === undefined) {
      counts.bypassed++;
      return await inner(request, ...rest);
    }
    const key = answerKey(url, request.headers);
    const filling = `${before}\n${key}`;
    let hit = cache.get(key, before);
    const pending = hit ? undefined : fills.get(filling);
    if (pending) {
      // The same answer is being read already: wait for it rather than read it again (after a
      // commit, every client of a popular read misses at once).
      await pending.wait(FILL_WAIT_MS);
      const now = version.current();
      hit = now === undefined ? undefined : cache.get(key, now);
    }
    if (hit) {
      counts.hits++;
      const { route } = hit;
      return answerHit(hit, request, (requestId, status) =>
        options.record({
          requestId,
          path: url.pathname,
          route,
          status,
          ms: performance.now() - started,
        }));
    }
    counts.misses++;
    const fill: Fill | undefined = pending ? undefined : new Fill(() => {
      if (fills.get(filling) === fill) fills.delete(filling);
    });
    if (fill) fills.set(filling, fill);
    let response: Response;
    try {
      response = await inner(request, ...rest);
    } catch (error) {
      fill?.done();
      throw error;
    }
    const route = options.routes.get(request);
    if (response.status !== 200 || !response.body || route === undefined) {
      fill?.done();
      return response;
    }
    const headers = [...response.headers].filter(([name]) => !PER_REQUEST.has(name));
    return teeBody(response, cache.maxEntryBytes, (body) => {
      // Read while the version moved on, the answer may predate a commit: it is not kept.
      if (body && version.current() === before) {
        const etag = etagOf(body);
        headers.push(["etag", etag], ["cache-control", REVALIDATE]);
        if (cache.set(key, before, { body, headers, etag, route })) counts.stored++;
      }
      fill?.done();
    });
  };
}

/**
 * Longest a request waits for the same answer being read by another, in ms: a large export read
 * on a busy machine takes seconds, and every waiter that gives up reads it again itself.
 */
const FILL_WAIT_MS = 10_000;

/** An answer being read: those asking for the same wait until it is stored, or give up. */
class Fill {
  readonly #done: Promise<void>;
  #resolve!: () => void;
  constructor(readonly onDone: () => void) {
    this.#done = new Promise((resolve) => this.#resolve = resolve);
  }
  /** The answer is stored, or will not be. */
  done(): void {
    this.onDone();
    this.#resolve();
  }
  /** Waits for {@linkcode done}, at most `ms`; past it the reader is taken to be gone. */
  async wait(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.onDone();
        resolve();
      }, ms);
    });
    await Promise.race([this.#done, late]);
    clearTimeout(timer);
  }
}

function answerHit(
  hit: CachedAnswer,
  request: Request,
  record: (requestId: string, status: number) => void,
): Response {
  const given = request.headers.get("x-request-id");
  const requestId = given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  if (matchesEtag(request.headers.get("if-none-match") ?? undefined, hit.etag)) {
    const headers = hit.headers.filter(([name]) => !CONTENT.has(name));
    headers.push(["x-request-id", requestId]);
    record(requestId, 304);
    return new Response(null, { status: 304, headers });
  }
  const headers: [string, string][] = [...hit.headers, ["x-request-id", requestId]];
  record(requestId, 200);
  const body = hit.body.byteLength > STREAM_CHUNK ? chunks(hit.body) : hit.body;
  return new Response(body, { status: 200, headers });
}

/**
 * Bytes a large answer is written in. Given whole, each response would hold its own copy of the
 * body until sent: 32 clients of a 6 MB export lifted the API past 380 MB.
 */
const STREAM_CHUNK = 64 * 1024;

/** `bytes` as a stream of views, one read at a time as the client takes them; nothing is copied. */
function chunks(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(bytes.subarray(at, at + STREAM_CHUNK));
      at += STREAM_CHUNK;
      if (at >= bytes.byteLength) controller.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * Passes the body through as it is produced (a CSV export streams) and hands a copy to `keep`
 * once complete (undefined when it outgrew `maxBytes`). A client that goes away keeps nothing.
 */
function teeBody(
  response: Response,
  maxBytes: number,
  keep: (body: Uint8Array<ArrayBuffer> | undefined) => void,
): Response {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const copy = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      if (size > maxBytes) return;
      size += chunk.byteLength;
      chunks.push(chunk);
    },
    cancel() {
      // The client went away: nothing is kept, and whoever waits for this answer stops waiting.
      keep(undefined);
    },
    flush() {
      if (size > maxBytes) return keep(undefined);
      const body = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.byteLength;
      }
      keep(body);
    },
  });
  return new Response(response.body!.pipeThrough(copy), {
    status: response.status,
    headers: response.headers,
  });
}
