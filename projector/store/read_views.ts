/** Reads the read models of a schema back into {@linkcode MemoryViews}, to compare them. */
import type { Sql } from "postgres";
import type { AnyProjection } from "../projection.ts";
import { REGISTRY } from "../registry.ts";
import { emptyViews, type MemoryViews, tableOf } from "../projections/views.ts";
import { readCheckpoints } from "./checkpoints.ts";
import { readDeadLetters } from "./dead_letters.ts";
import { readEventIds } from "./event_ids.ts";
import { LIVE_SCHEMA } from "./schema.ts";
import { projectionOfUnit } from "../partitions.ts";

/**
 * Every read model of `schema` through each definition's reader, bigints as numbers, times ISO;
 * the checkpoints by read model (the lowest of a split one's partitions).
 */
export async function readViews(
  sql: Sql,
  schema: string = LIVE_SCHEMA,
  options: { projections?: readonly AnyProjection[] } = {},
): Promise<MemoryViews> {
  const projections = options.projections ?? REGISTRY;
  const views = emptyViews(projections);
  for (const definition of projections) {
    const table = tableOf(views, definition);
    for (const row of await definition.read(sql, schema)) table.set(definition.key(row), row);
  }
  for (const row of await readDeadLetters(sql, schema)) views.dead_letters.set(row.seq, row);
  // A split read model's partitions show as the read model: where all of them have got to.
  for (const row of await readCheckpoints(sql, schema)) {
    const projection = projectionOfUnit(row.projection);
    const seen = views.checkpoints.get(projection);
    views.checkpoints.set(
      projection,
      !seen ? { ...row, projection } : {
        projection,
        last_seq: Math.min(seen.last_seq, row.last_seq),
        last_event_at: [seen.last_event_at, row.last_event_at].filter((t) => t !== null).sort()
          .at(-1) ?? null,
      },
    );
  }
  for (const row of await readEventIds(sql, schema)) views.event_ids.set(row.event_id, row);
  return views;
}
