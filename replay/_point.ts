/**
 * Where a rebuild of each projection starts. From the start, a projection's shadow starts empty;
 * from a point, each definition's seeding copies what events before the point produced from the
 * live tables, all in one snapshot, and only events at or after the point are replayed.
 */
import type { Sql } from "postgres";
import { type AnyProjection, LIVE_SCHEMA, projectionOfUnit, tableIn } from "../projector/mod.ts";

/** How one projection is rebuilt. */
export interface ProjectionPlan {
  projection: string;
  /** First sequence the replay projects; 1 for a full rebuild. */
  fromSeq: number;
  mode: "full" | "partial";
  /** Why a requested partial rebuild became a full one. */
  reason?: string;
}

/** What the snapshot told the later seeding steps. */
export interface SeededFromLive {
  plans: ProjectionPlan[];
  /** Live checkpoint of each projection in the snapshot. */
  liveSeq: Map<string, number>;
  /** What each partial projection's `seed.complete` needs, by projection. */
  boundaries: Map<string, unknown>;
  seededRows: number;
}

/**
 * Plans each projection and seeds the shadow from one repeatable-read snapshot of the live
 * tables. A point after a projection's live checkpoint (or after the lowest live checkpoint, up
 * to which the live event ledger is complete) moves back to just after it, since the live
 * tables know nothing later.
 */
export async function seedFromLive(
  sql: Sql,
  shadow: string,
  options: { projections: readonly AnyProjection[]; fromSeq?: number; firstSeq: number },
): Promise<SeededFromLive> {
  return await sql.begin("isolation level repeatable read", async (tx) => {
    await tx`SET LOCAL statement_timeout = 0`;
    const rows = await tx<{ projection: string; last_seq: string | number }[]>`
      SELECT projection, last_seq FROM ${tableIn(tx, LIVE_SCHEMA, "projection_checkpoints")}`;
    // A split read model is as far as its lowest partition: only that far is every row known.
    const liveSeq = new Map<string, number>();
    for (const r of rows) {
      const projection = projectionOfUnit(r.projection);
      const seq = Number(r.last_seq);
      liveSeq.set(projection, Math.min(seq, liveSeq.get(projection) ?? seq));
    }
    // Every event up to the lowest live checkpoint is in the live event ledger, which the
    // shadow's ledger relies on below its start: no point goes past it.
    const liveFloor = liveSeq.size > 0 ? Math.min(...liveSeq.values()) : 0;
    const boundaries = new Map<string, unknown>();
    const plans: ProjectionPlan[] = [];
    let seededRows = 0;
    for (const definition of options.projections) {
      const live = liveSeq.get(definition.name) ?? 0;
      const point = options.fromSeq === undefined
        ? undefined
        : Math.min(options.fromSeq, live + 1, liveFloor + 1);
      const plan = planOne(definition, point, options.firstSeq);
      if (plan.mode === "partial") {
        const seeded = await definition.seed.copy!({
          tx,
          table: definition.name,
          live: LIVE_SCHEMA,
          shadow,
          point: plan.fromSeq,
          liveSeq: live,
        });
        seededRows += seeded.rows;
        if (seeded.boundary !== undefined) boundaries.set(definition.name, seeded.boundary);
      }
      plans.push(plan);
    }
    const checkpoints = plans.map((p) => ({ projection: p.projection, last_seq: p.fromSeq - 1 }));
    await tx`INSERT INTO ${tableIn(tx, shadow, "projection_checkpoints")} ${tx(checkpoints)}`;
    return { plans, liveSeq, boundaries, seededRows };
  }) as SeededFromLive;
}

function planOne(
  definition: AnyProjection,
  point: number | undefined,
  firstSeq: number,
): ProjectionPlan {
  const projection = definition.name;
  if (point === undefined || point <= firstSeq) return { projection, fromSeq: 1, mode: "full" };
  const reason = definition.seed.fullReason ??
    (definition.seed.copy ? undefined : `${projection} has no seeding from a point`);
  if (reason) return { projection, fromSeq: 1, mode: "full", reason };
  return { projection, fromSeq: point, mode: "partial" };
}
