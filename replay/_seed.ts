/**
 * Seeding a shadow: from the live snapshot (`_point.ts`), then the stream scans for boundary
 * rows (`_seed_scans.ts`). A partial seed that cannot be done correctly becomes a full rebuild.
 */
import type { ProjectionName } from "../projector/types.ts";
import { seedFromLive } from "./_point.ts";
import { PartialNotPossible, seedBoundaryMinutes, seedFailurePeaks } from "./_seed_scans.ts";
import type { RebuildDeps } from "./rebuild.ts";

/** Seeds the shadow from the live snapshot and the stream; a partial seed that fails goes full. */
export async function seedShadow(
  deps: RebuildDeps,
  shadow: string,
  options: {
    projections: ProjectionName[];
    fromSeq?: number;
    firstSeq: number;
    signal?: AbortSignal;
  },
) {
  const seeded = await seedFromLive(deps.sql, shadow, options);
  let scannedEvents = 0;
  for (const plan of seeded.plans) {
    if (plan.mode !== "partial") continue;
    const scanOptions = {
      point: plan.fromSeq,
      firstSeq: options.firstSeq,
      signingKey: deps.signingKey,
      signal: options.signal,
    };
    try {
      if (plan.projection === "failures") {
        scannedEvents += await seedFailurePeaks(deps, shadow, seeded.needs.spanning, scanOptions);
      } else if (plan.projection === "power_minutes") {
        scannedEvents += await seedBoundaryMinutes(deps, shadow, seeded.needs, scanOptions);
      }
    } catch (error) {
      if (!(error instanceof PartialNotPossible)) throw error;
      const table = deps.sql(`${shadow}.${plan.projection}`);
      await deps.sql`TRUNCATE ${table}`;
      await deps.sql`UPDATE ${deps.sql(`${shadow}.projection_checkpoints`)} SET last_seq = 0
        WHERE projection = ${plan.projection}`;
      Object.assign(plan, { fromSeq: 1, mode: "full", reason: error.message });
    }
  }
  return { ...seeded, scannedEvents };
}
