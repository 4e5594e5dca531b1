/** SQL fragments shared by the list queries. */
import type { PendingQuery, Row, Sql } from "postgres";
import { fromUs } from "./db.ts";
import type { Key, Page } from "./list.ts";

/** A list of conditions joined by AND; TRUE when empty. */
export function and(sql: Sql, conditions: PendingQuery<Row[]>[]): PendingQuery<Row[]> {
  return conditions.reduce((acc, cond) => sql`${acc} AND ${cond}`, sql`TRUE`);
}

/** `ASC` or `DESC`. */
export function dir(sql: Sql, order: "asc" | "desc"): PendingQuery<Row[]> {
  return order === "asc" ? sql`ASC` : sql`DESC`;
}

/** `LIMIT n`, or nothing. */
export function limitOf(sql: Sql, limit: number | undefined): PendingQuery<Row[]> {
  return limit === undefined ? sql`` : sql`LIMIT ${limit}`;
}

/** The keyset condition `(time, id) > / < (key)` for a page after `key`; key[0] is µs as text. */
export function afterTimeKey(
  sql: Sql,
  { columns, page }: { columns: [string, string]; page: Page },
): PendingQuery<Row[]>[] {
  if (!page.after) return [];
  const [us, second] = page.after as Key;
  const cmp = page.order === "asc" ? sql`>` : sql`<`;
  return [
    sql`(${sql(columns[0])}, ${sql(columns[1])}) ${cmp} (${fromUs(sql, String(us))}, ${second!})`,
  ];
}

/** Conditions for a `[from, to)` window over `column`. */
export function window(
  sql: Sql,
  range: { column: string; from?: Date | undefined; to?: Date | undefined },
): PendingQuery<Row[]>[] {
  const column = range.column;
  const conds: PendingQuery<Row[]>[] = [];
  if (range.from) conds.push(sql`${sql(column)} >= ${range.from}`);
  if (range.to) conds.push(sql`${sql(column)} < ${range.to}`);
  return conds;
}

/** `column = ANY(values)` when values are given. */
export function anyOf(
  sql: Sql,
  { column, values }: { column: string; values: readonly string[] | undefined },
): PendingQuery<Row[]>[] {
  return values && values.length > 0 ? [sql`${sql(column)} = ANY(${values as string[]})`] : [];
}
