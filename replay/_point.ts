/**
 * Where a rebuild of each projection starts. From the start, a projection's shadow starts empty;
 * from a point, it is seeded with what events before the point produced, read from the live
 * tables in one snapshot, and only events at or after the point are replayed.
 */
import type { Sql, TransactionSql } from "postgres";
import type { ProjectionName } from "../projector/types.ts";

/** How one projection is rebuilt. */
export interface ProjectionPlan {
  projection: ProjectionName;
  /** First sequence the replay projects; 1 for a full rebuild. */
  fromSeq: number;
  mode: "full" | "partial";
  /** Why a requested partial rebuild became a full one. */
  reason?: string;
}

/** What the seed step learnt from the live snapshot for the projections that need a stream scan. */
export interface SeedNeeds {
  /** Live checkpoint of each projection in the snapshot. */
  liveSeq: Map<ProjectionName, number>;
  /** Failure episodes that started before the point and had not ended before it. */
  spanning: { start_seq: number; machine_id: string; type: string }[];
  /** power_minutes rows that events on both sides of the point fed (live, in the snapshot). */
  mixed: { machine_id: string; minute: string; samples: number; events: number }[];
}

// History tables: a row belongs to one event, so rows before the point are final.
const HISTORY: Partial<Record<ProjectionName, string>> = {
  state_changes: "seq",
  errors: "seq",
  sensor_readings: "seq",
  xray_scans: "seq",
};

/** Why `machines` is always rebuilt in full. */
export const MACHINES_FULL_REASON = "machines folds every event of a machine into one row; the " +
  "part before the point cannot be separated from the live row, so it is replayed from the start";

/**
 * Plans each projection and seeds the shadow from one repeatable-read snapshot of the live
 * tables. A point after a projection's live checkpoint moves back to just after it, since the
 * live tables know nothing later.
 */
export async function seedFromLive(
  sql: Sql,
  shadow: string,
  options: { projections: readonly ProjectionName[]; fromSeq?: number; firstSeq: number },
): Promise<{ plans: ProjectionPlan[]; needs: SeedNeeds; seededRows: number }> {
  return await sql.begin("isolation level repeatable read", async (tx) => {
    await tx`SET LOCAL statement_timeout = 0`;
    const rows = await tx<{ projection: ProjectionName; last_seq: string | number }[]>`
      SELECT projection, last_seq FROM public.projection_checkpoints`;
    const liveSeq = new Map(rows.map((r) => [r.projection, Number(r.last_seq)]));
    const needs: SeedNeeds = { liveSeq, spanning: [], mixed: [] };
    const plans: ProjectionPlan[] = [];
    let seededRows = 0;
    for (const projection of options.projections) {
      const point = options.fromSeq === undefined
        ? undefined
        : Math.min(options.fromSeq, (liveSeq.get(projection) ?? 0) + 1);
      const plan = planOne(projection, point, options.firstSeq);
      if (plan.mode === "partial") seededRows += await seedOne(tx, shadow, plan, needs);
      plans.push(plan);
    }
    const checkpoints = plans.map((p) => ({ projection: p.projection, last_seq: p.fromSeq - 1 }));
    await tx`INSERT INTO ${tx(`${shadow}.projection_checkpoints`)} ${tx(checkpoints)}`;
    return { plans, needs, seededRows };
  }) as { plans: ProjectionPlan[]; needs: SeedNeeds; seededRows: number };
}

function planOne(projection: ProjectionName, point: number | undefined, firstSeq: number) {
  if (point === undefined || point <= firstSeq) {
    return { projection, fromSeq: 1, mode: "full" } satisfies ProjectionPlan;
  }
  if (projection === "machines") {
    return {
      projection,
      fromSeq: 1,
      mode: "full",
      reason: MACHINES_FULL_REASON,
    } satisfies ProjectionPlan;
  }
  return { projection, fromSeq: point, mode: "partial" } satisfies ProjectionPlan;
}

async function seedOne(
  tx: TransactionSql,
  shadow: string,
  plan: ProjectionPlan,
  needs: SeedNeeds,
): Promise<number> {
  const point = plan.fromSeq;
  const target = tx(`${shadow}.${plan.projection}`);
  const live = tx(`public.${plan.projection}`);
  const key = HISTORY[plan.projection];
  if (key) {
    return (await tx`INSERT INTO ${target} SELECT * FROM ${live} WHERE ${tx(key)} < ${point}`)
      .count;
  }
  if (plan.projection === "power_minutes") {
    // Minutes whose last contribution is before the point are final; the others are recomputed.
    const copied = await tx`INSERT INTO ${target} SELECT * FROM ${live} WHERE last_seq < ${point}`;
    const mixed = await tx<{ machine_id: string; minute: Date; samples: string; events: string }[]>`
      SELECT machine_id, minute, samples, events FROM ${live} WHERE last_seq >= ${point}`;
    needs.mixed = mixed.map((r) => ({
      machine_id: r.machine_id,
      minute: r.minute.toISOString(),
      samples: Number(r.samples),
      events: Number(r.events),
    }));
    return copied.count;
  }
  if (plan.projection === "failures") {
    // Episodes ended before the point are final; one still open at the point is reopened, and
    // its peak is recomputed from the stream (see seed_scans.ts).
    const copied = await tx`INSERT INTO ${target} (start_seq, start_event_id, machine_id, type,
        started_at, ended_at, end_seq, end_event_id, peak_progress)
      SELECT start_seq, start_event_id, machine_id, type, started_at,
        CASE WHEN end_seq < ${point} THEN ended_at END,
        CASE WHEN end_seq < ${point} THEN end_seq END,
        CASE WHEN end_seq < ${point} THEN end_event_id END,
        peak_progress
      FROM ${live} WHERE start_seq < ${point}`;
    const spanning = await tx<{ start_seq: string; machine_id: string; type: string }[]>`
      SELECT start_seq, machine_id, type FROM ${live}
      WHERE start_seq < ${point} AND (end_seq IS NULL OR end_seq >= ${point})`;
    needs.spanning = spanning.map((r) => ({ ...r, start_seq: Number(r.start_seq) }));
    return copied.count;
  }
  throw new Error(`No partial rebuild for '${plan.projection}'`);
}
