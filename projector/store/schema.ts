/** Where the read models live: the PostgreSQL schema (`public` live, another for a rebuild). */
import type { Sql, TransactionSql } from "postgres";

/** A connection pool or a transaction: anything the writers can run a query on. */
export type Queryable = Sql | TransactionSql;

/** The schema the live read models are in. */
export const LIVE_SCHEMA = "public";

/** Tables every schema of read models has beside the projections' own. */
export const BOOKKEEPING_TABLES = ["dead_letters", "projection_checkpoints", "event_ids"] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws unless `schema` is a plain lower-case identifier, safe to put into SQL text. */
export function checkSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new Error(`Invalid schema name: must match ${IDENTIFIER.source}: got '${schema}'`);
  }
  return schema;
}

/** The identifier of `table` in `schema`, for a tagged query. */
export function tableIn(sql: Queryable, schema: string, table: string) {
  if (!IDENTIFIER.test(table)) {
    throw new Error(`Invalid table name: must match ${IDENTIFIER.source}: got '${table}'`);
  }
  return sql(`${checkSchemaName(schema)}.${table}`);
}

/**
 * Creates `schema` (if needed) with empty copies of `tables` of `from`, including their keys and
 * indexes, so the same writer can fill it; for rebuilds and tests.
 */
export async function createSchemaLike(
  sql: Sql,
  schema: string,
  options: { from?: string; tables: readonly string[] },
): Promise<void> {
  const from = checkSchemaName(options.from ?? LIVE_SCHEMA);
  checkSchemaName(schema);
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  for (const table of options.tables) {
    if (!IDENTIFIER.test(table)) throw new Error(`Invalid table name: got '${table}'`);
    await sql.unsafe(
      `CREATE TABLE IF NOT EXISTS ${schema}.${table} (LIKE ${from}.${table} INCLUDING ALL)`,
    );
  }
}

/** Drops `schema` and everything in it; never the live schema. */
export async function dropSchema(sql: Sql, schema: string): Promise<void> {
  if (checkSchemaName(schema) === LIVE_SCHEMA) throw new Error("Refusing to drop the live schema");
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
