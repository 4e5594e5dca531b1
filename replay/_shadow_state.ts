/**
 * What a rebuild knows about its shadow between batches: each projection's checkpoint and the
 * open failure episodes. The rebuild is the shadow's only writer, so this state can live in
 * memory, and a batch becomes row changes with the live projector's pure `projectBatch` without
 * a round trip; the same changes then go through the live writer, `writeChanges`.
 */
import type { DecodedBatch, ProjectionName } from "../projector/types.ts";
import { type BatchChanges, failureMachinesOf, projectBatch } from "../projector/projections/batch.ts";
import type { FailureRow } from "../projector/projections/failures.ts";

/** The starting point of a shadow: checkpoints and open episodes as seeded. */
export interface ShadowStart {
  projections: ProjectionName[];
  checkpoints: [ProjectionName, number][];
  ongoing: FailureRow[];
}

/** The shadow's checkpoints and open failure episodes, advanced batch by batch. */
export class ShadowState {
  readonly #projections: ProjectionName[];
  readonly #checkpoints: Map<ProjectionName, number>;
  readonly #ongoing: Map<string, FailureRow>;

  constructor(start: ShadowStart) {
    this.#projections = start.projections;
    this.#checkpoints = new Map(start.checkpoints);
    this.#ongoing = new Map(start.ongoing.map((row) => [row.machine_id, row]));
  }

  /** The row changes of the next batch, exactly as `commitBatch` would compute them. */
  project(batch: DecodedBatch): BatchChanges {
    const machines = this.#projections.includes("failures")
      ? failureMachinesOf(batch, this.#checkpoints)
      : [];
    const ongoingFailures = machines.flatMap((m) => {
      const row = this.#ongoing.get(m);
      return row ? [row] : [];
    });
    const changes = projectBatch(batch, {
      checkpoints: this.#checkpoints,
      ongoingFailures,
      projections: this.#projections,
    });
    for (const row of changes.rows.failures ?? []) {
      if (row.ended_at === null) this.#ongoing.set(row.machine_id, row);
      else if (this.#ongoing.get(row.machine_id)?.start_seq === row.start_seq) {
        this.#ongoing.delete(row.machine_id);
      }
    }
    for (const c of changes.checkpoints) {
      this.#checkpoints.set(
        c.projection,
        Math.max(this.#checkpoints.get(c.projection) ?? 0, c.last_seq),
      );
    }
    return changes;
  }
}
