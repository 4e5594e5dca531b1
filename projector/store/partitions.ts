/**
 * How many partitions each split read model has in this database (`projector_partitions`). The
 * count defines the checkpoint units, so it is recorded once, by the first projector to start
 * (`PROJECTOR_PARTITIONS`), and every later one must agree. Whoever reads live checkpoints by
 * read model (replay, tests) asks here which units a read model is written in.
 */
import type { Sql } from "postgres";
import { ConfigError } from "../../lib/mod.ts";
import type { AnyProjection } from "../projection.ts";
import { unitName, unitsOf } from "../partitions.ts";
import { LIVE_SCHEMA, type Queryable } from "./schema.ts";

/**
 * Records `count` for the partitionable ones of `definitions` that have no count yet, or throws a
 * {@linkcode ConfigError} naming PROJECTOR_PARTITIONS when one was recorded with another. A read
 * model written whole until now (a database from before partitions) is split in the same
 * transaction: each new partition starts at the whole read model's checkpoint, which covered
 * every machine, and the whole one's checkpoint and lease row go.
 */
export async function recordPartitions(
  sql: Sql,
  definitions: readonly AnyProjection[],
  count: number,
): Promise<void> {
  const names = definitions.filter((d) => d.partitionable).map((d) => d.name);
  if (names.length === 0) return;
  await sql.begin(async (tx) => {
    const fresh = await tx<{ projection: string }[]>`
      INSERT INTO projector_partitions (projection, partitions)
      SELECT unnest(${names}::text[]), ${count}
      ON CONFLICT DO NOTHING RETURNING projection`;
    for (const { projection } of fresh) {
      if (count <= 1) continue;
      // The DELETE waits for a commit in flight on the whole checkpoint and sees its result.
      const [whole] = await tx<{ last_seq: string; last_event_at: Date | null }[]>`
        DELETE FROM projection_checkpoints WHERE projection = ${projection}
        RETURNING last_seq, last_event_at`;
      await tx`DELETE FROM projector_leases WHERE unit = ${projection}`;
      if (!whole) continue;
      const units = Array.from({ length: count }, (_, i) => unitName(projection, i, count));
      await tx`INSERT INTO projection_checkpoints (projection, last_seq, last_event_at)
        SELECT unnest(${units}::text[]), ${whole.last_seq}, ${whole.last_event_at}
        ON CONFLICT (projection) DO NOTHING`;
    }
    const recorded = await readPartitions(tx, names);
    const other = [...recorded].find(([, n]) => n !== count);
    if (other) {
      throw new ConfigError(
        "PROJECTOR_PARTITIONS",
        `Invalid PROJECTOR_PARTITIONS=${count}: this database's ${other[0]} is split into ` +
          `${other[1]} partitions (table projector_partitions), and the count cannot change ` +
          `once recorded, since each partition has its own checkpoint; set ` +
          `PROJECTOR_PARTITIONS=${other[1]}`,
      );
    }
  });
}

/** The recorded partition count of each of `projections` that has one. */
export async function readPartitions(
  sql: Queryable,
  projections: readonly string[],
): Promise<Map<string, number>> {
  const rows = await sql<{ projection: string; partitions: number }[]>`
    SELECT projection, partitions FROM projector_partitions
    WHERE projection = ANY(${projections as string[]}::text[])`;
  return new Map(rows.map((r) => [r.projection, r.partitions]));
}

/**
 * The units the live projector writes `definitions` in, as recorded in `schema` (only the live
 * schema is ever split; a read model without a record is whole).
 */
export async function liveUnitsOf(
  sql: Queryable,
  definitions: readonly AnyProjection[],
  schema: string = LIVE_SCHEMA,
): Promise<AnyProjection[]> {
  const count = await partitionCounts(sql, definitions.map((d) => d.name), schema);
  return unitsOf(definitions, (d) => count(d.name));
}

/** The names of the units `projections` (read models or units) are written in, in `schema`. */
export async function liveUnitNames(
  sql: Queryable,
  projections: readonly string[],
  schema: string = LIVE_SCHEMA,
): Promise<string[]> {
  const count = await partitionCounts(sql, projections, schema);
  return projections.flatMap((name) =>
    Array.from({ length: count(name) }, (_, i) => unitName(name, i, count(name)))
  );
}

async function partitionCounts(
  sql: Queryable,
  projections: readonly string[],
  schema: string,
): Promise<(projection: string) => number> {
  if (schema !== LIVE_SCHEMA) return () => 1;
  const recorded = await readPartitions(sql, projections);
  return (projection) => recorded.get(projection) ?? 1;
}
