/**
 * What a rebuild knows about its shadow between batches: each projection's checkpoint and the
 * rows carried between batches (open failure episodes). The rebuild is the shadow's only writer,
 * so this state can live in memory, and a batch becomes row changes with the live projector's
 * pure `projectBatch` without a round trip; the same changes then go through the live writer.
 */
// Specific modules, not the projector's mod.ts: this runs in the replay worker, whose start-up
// should not load the database and NATS clients.
import type { AnyProjection } from "../projector/projection.ts";
import type { DecodedBatch } from "../projector/types.ts";
import { type BatchChanges, carriedKeysOf, projectBatch } from "../projector/projections/batch.ts";

/** The starting point of a shadow: projections, checkpoints and open carried rows as seeded. */
export interface ShadowStart {
  projections: string[];
  checkpoints: [string, number][];
  /** Open carried rows of each projection that carries rows. */
  carried: [string, unknown[]][];
}

/** The shadow's checkpoints and open carried rows, advanced batch by batch. */
export class ShadowState {
  readonly #projections: AnyProjection[];
  readonly #checkpoints: Map<string, number>;
  readonly #open = new Map<string, Map<string, unknown>>();

  /** `projections` are the definitions `start.projections` names. */
  constructor(start: ShadowStart, projections: readonly AnyProjection[]) {
    this.#projections = start.projections.map((name) => {
      const found = projections.find((d) => d.name === name);
      if (!found) throw new RangeError(`No definition of projection '${name}'`);
      return found;
    });
    this.#checkpoints = new Map(start.checkpoints);
    for (const definition of this.#projections) {
      if (!definition.carried) continue;
      const rows = start.carried.find(([name]) => name === definition.name)?.[1] ?? [];
      this.#open.set(
        definition.name,
        new Map(rows.map((row) => [definition.carried!.keyOf(row), row])),
      );
    }
  }

  /** The row changes of the next batch, exactly as `commitBatch` would compute them. */
  project(batch: DecodedBatch): BatchChanges {
    const carried = new Map<string, unknown[]>();
    for (const [name, keys] of carriedKeysOf(batch, this.#checkpoints, this.#projections)) {
      const open = this.#open.get(name)!;
      carried.set(name, keys.flatMap((key) => open.has(key) ? [open.get(key)] : []));
    }
    const changes = projectBatch(batch, {
      checkpoints: this.#checkpoints,
      carried,
      projections: this.#projections,
    });
    for (const definition of this.#projections) {
      const track = definition.carried;
      if (!track) continue;
      const open = this.#open.get(definition.name)!;
      for (const row of changes.rows[definition.name] ?? []) {
        const key = track.keyOf(row);
        if (track.isOpen(row)) open.set(key, row);
        else if (open.has(key) && definition.key(open.get(key)) === definition.key(row)) {
          open.delete(key);
        }
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
