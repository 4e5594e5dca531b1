/** The API's PostgreSQL pool: a statement timeout on every query, bigints read as numbers. */
import postgres, { type Sql } from "postgres";
import { NotFoundError } from "./problem.ts";

/** Options of {@linkcode createSql}. */
export interface CreateSqlOptions {
  /** Statement timeout of every query, in ms. @default 5000 */
  timeoutMs?: number;
  /** Pool size. @default 10 */
  max?: number;
  /** How long opening a connection may take, in ms. @default 2000 */
  connectTimeoutMs?: number;
}

/** Opens a pool whose every statement is cancelled by PostgreSQL after `timeoutMs`. */
export function createSql(url: string, options: CreateSqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // A server that accepts but never answers must not hold a request for long.
    connect_timeout: (options.connectTimeoutMs ?? 2000) / 1000,
    // A server-side timeout also covers queries whose client has gone away.
    connection: { statement_timeout: options.timeoutMs ?? 5000, application_name: "signals-api" },
    types: {
      // Sequences and counts stay far below 2^53, so numbers are exact and easier to use.
      bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: Number },
    },
  });
}

/**
 * A timestamptz from microseconds since the epoch, exactly for every year 0001–9999: whole days
 * and the rest are added apart, since multiplying an interval goes through float8.
 */
export function fromUs(sql: Sql, us: string) {
  return sql`('epoch'::timestamptz
    + make_interval(days => (${us}::bigint / 86400000000)::int)
    + (${us}::bigint % 86400000000) * interval '1 microsecond')`;
}

/** Microseconds since the epoch of `column`, as exact decimal text (beyond 2^53 after 2255). */
export function usText(sql: Sql, column: string) {
  return sql`(extract(epoch from ${sql(column)}) * 1000000)::bigint::text`;
}

/** Throws a 404 naming the first of `machines` that has never been seen. */
export async function assertMachinesExist(sql: Sql, machines: string[] | undefined): Promise<void> {
  if (!machines || machines.length === 0) return;
  const rows = await sql<{ machine_id: string }[]>`
    SELECT machine_id FROM machines WHERE machine_id = ANY(${machines})`;
  const known = new Set(rows.map((row) => row.machine_id));
  const missing = machines.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new NotFoundError(
      `Unknown machine in 'machine': got '${missing[0]}'`,
      missing.map((value) => ({ field: "machine", value, message: "is not a known machine" })),
    );
  }
}
