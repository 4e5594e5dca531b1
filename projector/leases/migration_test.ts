import { deepEqual, ok } from "node:assert/strict";
import postgres from "postgres";
import { startTestStack } from "../../dev/stack.ts";
import { migrate, readMigrations } from "../migrate.ts";

Deno.test("migration 007 creates the lease tables, and keeps those a worker created before it", async (t) => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  const before = await Deno.makeTempDir({ prefix: "migrations-" });
  try {
    // given a database migrated up to 005, whose workers created the lease tables themselves
    for (const m of (await readMigrations()).filter((m) => m.version <= 5)) {
      await Deno.writeTextFile(
        `${before}/${String(m.version).padStart(3, "0")}_${m.name}.sql`,
        m.sql,
      );
    }
    await migrate(sql, new URL(`file://${before}/`));
    await sql`CREATE TABLE projector_leases (unit text PRIMARY KEY, owner text,
      fence bigint NOT NULL DEFAULT 0, expires_at timestamptz NOT NULL DEFAULT '-infinity')`;
    await sql`CREATE TABLE projector_lease_history (unit text NOT NULL, fence bigint NOT NULL,
      owner text NOT NULL, acquired_at timestamptz NOT NULL, released_at timestamptz,
      batches bigint NOT NULL DEFAULT 0, from_seq bigint, to_seq bigint,
      last_commit_at timestamptz, PRIMARY KEY (unit, fence))`;
    await sql`INSERT INTO projector_leases (unit, owner, fence) VALUES ('machines', 'w1', 3)`;
    await sql`INSERT INTO projector_lease_history (unit, fence, owner, acquired_at)
      VALUES ('machines', 3, 'w1', now())`;

    await t.step("when migrated, 007 applies and the leases and their history stay", async () => {
      const applied = await migrate(sql);
      ok(applied.includes(7), `applied ${applied.join(", ")}`);
      deepEqual(
        [...await sql`SELECT unit, owner, fence::int FROM projector_leases`],
        [{ unit: "machines", owner: "w1", fence: 3 }],
      );
      deepEqual(
        [...await sql`SELECT unit, fence::int FROM projector_lease_history`],
        [{ unit: "machines", fence: 3 }],
      );
    });

    await t.step("and every lease table exists, on a fresh database too", async () => {
      const tables = [
        "projector_leases",
        "projector_lease_history",
        "projector_workers",
        "projector_partitions",
      ];
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM unnest(${tables}::text[]) AS t(name)
        WHERE to_regclass(t.name) IS NOT NULL`;
      deepEqual(row?.n, tables.length);
      deepEqual(await migrate(sql), [], "a second run applies nothing");
    });
  } finally {
    await sql.end();
    await stack.stop();
    await Deno.remove(before, { recursive: true });
  }
});
