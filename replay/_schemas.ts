/**
 * Shadow and retired schemas of rebuilds, and the per-projection advisory locks that tell a
 * running rebuild's schemas from the leftovers of a crashed one.
 */
import type { ReservedSql, Sql } from "postgres";
import { BOOKKEEPING_TABLES, createSchemaLike, dropSchema } from "../projector/mod.ts";

// Any constant works; every process that rebuilds must use the same one.
const LOCK_CLASS = 727_005;
const NAME = /^(rebuild|retired)_([a-z_]+)_([0-9a-f]{8})$/;

/** The schemas one rebuild uses: it fills `shadow`, and the swap moves live tables to `retired`. */
export interface RebuildSchemas {
  shadow: string;
  retired: string;
}

/** Schema names for a rebuild of `projections` (one projection, or all of them). */
export function schemasFor(projections: readonly string[], id: string): RebuildSchemas {
  const tag = projections.length === 1 ? projections[0]! : "all";
  return { shadow: `rebuild_${tag}_${id}`, retired: `retired_${tag}_${id}` };
}

/**
 * The projections (of `known`) a rebuild or retired schema belongs to, or undefined for any
 * other name.
 */
export function projectionsOfSchema(
  schema: string,
  known: readonly string[],
): string[] | undefined {
  const match = NAME.exec(schema);
  if (!match) return undefined;
  const tag = match[2]!;
  if (tag === "all") return [...known];
  return known.includes(tag) ? [tag] : undefined;
}

/**
 * Takes the session advisory lock of each projection on `conn`, all or none; returns the ones
 * another session holds when it cannot. Session locks vanish with the connection, so a killed
 * rebuild never leaves one behind. A projection's lock is keyed by `hashtext` of its name, so any
 * registered projection has one without a list of numbers to keep.
 */
export async function tryLockProjections(
  conn: ReservedSql,
  projections: readonly string[],
): Promise<string[]> {
  const taken: string[] = [];
  const busy: string[] = [];
  for (const p of [...projections].sort()) {
    const [row] = await conn<{ ok: boolean }[]>`
      SELECT pg_try_advisory_lock(${LOCK_CLASS}, hashtext(${p})) AS ok`;
    (row!.ok ? taken : busy).push(p);
  }
  if (busy.length > 0) await unlockProjections(conn, taken);
  return busy;
}

/** Releases the locks {@linkcode tryLockProjections} took. */
export async function unlockProjections(
  conn: ReservedSql,
  projections: readonly string[],
): Promise<void> {
  for (const p of projections) {
    await conn`SELECT pg_advisory_unlock(${LOCK_CLASS}, hashtext(${p}))`;
  }
}

/**
 * Drops every rebuild or retired schema whose projections (of `known`) no other session is
 * rebuilding: they are leftovers of a crash or Ctrl-C. Runs on the connection holding this
 * rebuild's own locks.
 */
export async function dropStaleSchemas(
  conn: ReservedSql,
  sql: Sql,
  known: readonly string[],
): Promise<string[]> {
  const held = await conn<{ name: string }[]>`
    SELECT p AS name FROM unnest(${known as string[]}::text[]) AS p
    WHERE hashtext(p) IN (SELECT objid::int FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${LOCK_CLASS} AND objsubid = 2 AND granted
        AND pid <> pg_backend_pid())`;
  const busy = new Set(held.map((row) => row.name));
  const schemas = await conn<{ nspname: string }[]>`
    SELECT nspname FROM pg_namespace
    WHERE nspname LIKE 'rebuild\\_%' OR nspname LIKE 'retired\\_%' ORDER BY nspname`;
  const dropped: string[] = [];
  for (const { nspname } of schemas) {
    const owners = projectionsOfSchema(nspname, known);
    if (!owners || owners.some((p) => busy.has(p))) continue;
    if (nspname.startsWith("retired_")) await dropRetired(sql, nspname);
    else await dropSchema(sql, nspname);
    dropped.push(nspname);
  }
  return dropped;
}

/**
 * Drops a retired schema table by table without CASCADE, so a view someone built on a live table
 * makes the drop fail loudly instead of vanishing with it.
 */
export async function dropRetired(sql: Sql, schema: string): Promise<void> {
  const tables = await sql<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = ${schema}`;
  for (const { tablename } of tables) await sql.unsafe(`DROP TABLE ${schema}."${tablename}"`);
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema}`);
}

/**
 * Creates the shadow schema with empty copies of the tables, then gives each copied index the
 * name of its live twin, so the tables keep their index names after the swap.
 */
export async function createShadow(
  sql: Sql,
  shadow: string,
  projections: readonly string[],
): Promise<void> {
  const tables = [...projections, ...BOOKKEEPING_TABLES];
  await createSchemaLike(sql, shadow, { tables });
  const rows = await sql<
    { schemaname: string; tablename: string; indexname: string; def: string }[]
  >`
    SELECT schemaname, tablename, indexname,
      regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+', '\\1') AS def
    FROM pg_indexes
    WHERE schemaname IN ('public', ${shadow}) AND tablename = ANY(${projections as string[]})`;
  const liveName = new Map<string, string>();
  for (const r of rows) {
    if (r.schemaname === "public") liveName.set(`${r.tablename} ${r.def}`, r.indexname);
  }
  for (const r of rows) {
    if (r.schemaname !== shadow) continue;
    const name = liveName.get(`${r.tablename} ${r.def}`);
    if (name && name !== r.indexname) {
      await sql.unsafe(`ALTER INDEX ${shadow}."${r.indexname}" RENAME TO "${name}"`);
    }
  }
  await copyGrants(sql, shadow, projections);
}

/**
 * Gives the shadow tables the live tables' grants, which `LIKE` does not copy: the API may read
 * as a role of its own, and must still be able to after the swap.
 */
async function copyGrants(sql: Sql, shadow: string, tables: readonly string[]): Promise<void> {
  const grants = await sql<{ table: string; privilege: string; grantee: string }[]>`
    SELECT c.relname AS table, a.privilege_type AS privilege,
      CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(c.relacl) a
    LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE n.nspname = 'public' AND c.relname = ANY(${tables as string[]})
      AND a.grantee <> c.relowner`;
  for (const g of grants) {
    await sql.unsafe(`GRANT ${g.privilege} ON ${shadow}.${g.table} TO ${g.grantee}`);
  }
}
