/** Runs a keyset-paginated list as JSON `{data, next}` or as streamed CSV, with ETags for the past. */
import type { Context } from "hono";
import type { PendingQuery, Row, Sql } from "postgres";
import { type Cursor, decodeCursor, encodeCursor } from "./cursor.ts";
import { csvResponse, wantsCsv } from "./csv.ts";
import { jsonWithEtag } from "./etag.ts";
import { badField } from "./validation.ts";

/** A cursor key: the sort columns of the last row. */
export type Key = (string | number)[];

/** A key part: microseconds since the epoch (decimal text), a stream sequence, or a machine id. */
export type KeyKind = "time" | "seq" | "machine";

// Microseconds of 0001-01-01 and the end of 9999-12-31, the range times are accepted in. Beyond
// 2255 they exceed 2^53, so a time key travels as decimal text and is compared as a bigint.
const MIN_US = BigInt(Date.parse("0001-01-01T00:00:00.000Z")) * 1000n;
const MAX_US = BigInt(Date.parse("9999-12-31T23:59:59.999Z")) * 1000n + 999n;

function validTime(part: string | number): boolean {
  const text = typeof part === "number" && Number.isSafeInteger(part) ? String(part) : part;
  if (typeof text !== "string" || !/^-?\d{1,18}$/.test(text)) return false;
  const us = BigInt(text);
  return us >= MIN_US && us <= MAX_US;
}

function validPart(kind: KeyKind, part: string | number): boolean {
  switch (kind) {
    case "time":
      return validTime(part);
    case "seq":
      return typeof part === "number" && part >= 0 && part <= Number.MAX_SAFE_INTEGER;
    case "machine":
      return typeof part === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(part);
  }
}

/** Which page to read. */
export interface Page {
  order: "asc" | "desc";
  /** Rows strictly after this key in `order`. */
  after?: Key;
  /** At most this many rows; none means all (CSV). */
  limit?: number;
}

/** How one list reads its rows and presents them. */
export interface ListSpec<R extends Row, Out> {
  /** Identifies the list inside cursors, so a cursor cannot be reused on another list. */
  scope: string;
  /** What each key part is, so a forged cursor is refused before it reaches SQL. */
  keyKinds: KeyKind[];
  /** The query for a page, with ORDER BY and LIMIT. */
  query(sql: Sql, page: Page): PendingQuery<R[]> | Promise<R[]>;
  keyOf(row: R): Key;
  toJson(row: R): Out;
  csvColumns: string[];
  toCells(row: R): unknown[];
}

/** Request-level options of {@linkcode respondList}. */
export interface ListRequest {
  /** The pool to query. */
  sql: Sql;
  order: "asc" | "desc";
  limit: number;
  cursor?: string | undefined;
  format?: "json" | "csv" | undefined;
  /** The window lies entirely in the past, so the answer may be cached by ETag. @default false */
  cacheable?: boolean;
  /** Name of the CSV download. @default `${scope}.csv` */
  filename?: string;
}

/** The request of a list over a time window: cacheable once the window lies wholly in the past. */
export function windowRequest(
  sql: Sql,
  q: Omit<ListRequest, "sql" | "cacheable" | "filename"> & { to?: Date | undefined; now: Date },
  filename: string,
): ListRequest {
  return {
    sql,
    order: q.order,
    limit: q.limit,
    cursor: q.cursor,
    format: q.format,
    cacheable: q.to !== undefined && q.to.getTime() <= q.now.getTime(),
    filename,
  };
}

/** Decodes `text` as a cursor of `scope` and `order`; throws a 400 naming `cursor` otherwise. */
export function cursorKey(
  text: string | undefined,
  spec: { scope: string; keyKinds: KeyKind[] },
  order: "asc" | "desc",
): Key | undefined {
  if (text === undefined) return undefined;
  const cursor: Cursor | null = decodeCursor(text);
  const valid = cursor !== null && cursor.s === spec.scope &&
    cursor.k.length === spec.keyKinds.length &&
    spec.keyKinds.every((kind, i) => validPart(kind, cursor.k[i]!));
  if (!valid) {
    return badField("cursor", text, "is not a cursor issued by this list");
  }
  if (cursor!.o !== order) {
    return badField("cursor", text, `was issued for order=${cursor!.o}, not order=${order}`);
  }
  return cursor!.k;
}

/** Answers a list request: a JSON page with `next`, or the whole selection as CSV. */
export async function respondList<R extends Row, Out>(
  c: Context,
  spec: ListSpec<R, Out>,
  request: ListRequest,
): Promise<Response> {
  const sql = request.sql;
  const after = cursorKey(request.cursor, spec, request.order);
  if (wantsCsv(request.format, c.req.header("accept"))) {
    // A CSV export is the whole selection unless a limit was asked for explicitly.
    const limit = c.req.query("limit") === undefined ? undefined : request.limit;
    return await csvResponse<R, Key>({
      fetch: (from, size) => spec.query(sql, { order: request.order, after: from, limit: size }),
      keyOf: (row) => spec.keyOf(row),
      after,
      limit,
      columns: spec.csvColumns,
      toCells: (row) => spec.toCells(row),
      filename: request.filename ?? `${spec.scope.replaceAll(/[^A-Za-z0-9_]/g, "_")}.csv`,
    });
  }
  const rows = await spec.query(sql, { order: request.order, after, limit: request.limit + 1 });
  const more = rows.length > request.limit;
  const page = more ? rows.slice(0, request.limit) : rows;
  const last = page.at(-1);
  const next = more && last
    ? encodeCursor({ s: spec.scope, o: request.order, k: spec.keyOf(last) })
    : null;
  const body = { data: page.map((row) => spec.toJson(row)), next };
  return await jsonWithEtag(c, body, { cacheable: request.cacheable ?? false });
}
