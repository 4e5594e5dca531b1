/** Applies the SQL files in `migrations/` once each, in name order, under an advisory lock. */
import type { Sql } from "postgres";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Any constant works; it only has to be the same for every service that migrates.
const MIGRATION_LOCK_ID = 727_001;

/** A migration file: its version (the number prefix), name and SQL. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads the migration files, ordered by version. */
export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = /^(\d+)_(.+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !match) continue;
    const sql = await Deno.readTextFile(new URL(entry.name, dir));
    migrations.push({ version: Number(match[1]), name: match[2]!, sql });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/** Applies every migration not yet recorded in `schema_migrations`; returns the versions applied. */
export async function migrate(sql: Sql, dir: URL = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await readMigrations(dir);
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
    const rows = await tx<{ version: number }[]>`SELECT version FROM schema_migrations`;
    const applied = new Set(rows.map((row) => row.version));
    const fresh = migrations.filter((m) => !applied.has(m.version));
    for (const migration of fresh) {
      await tx.unsafe(migration.sql);
      await tx`INSERT INTO schema_migrations (version, name)
               VALUES (${migration.version}, ${migration.name})`;
    }
    return fresh.map((m) => m.version);
  });
}
