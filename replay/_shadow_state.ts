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
import { ledgerCandidates, type LedgerEntry } from "../projector/event_ledger.ts";
import { type BatchChanges, carriedKeysOf, projectBatch } from "../projector/projections/batch.ts";

/** The starting point of a shadow: projections, checkpoints and open carried rows as seeded. */
export interface ShadowStart {
  projections: string[];
  checkpoints: [string, number][];
  /** Open carried rows of each projection that carries rows. */
  carried: [string, unknown[]][];
}

/**
 * A batch's row changes as projected ahead, with the ledger entries its writer must record; the
 * projection assumed no copies of known events, which the writer checks.
 */
export interface ProjectedBatch extends BatchChanges {
  /** The first occurrence of each event id after the shadow's lowest checkpoint. */
  eventIds: LedgerEntry[];
  /** The batch holds an id twice: it must take the exact path. */
  copies: boolean;
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

  /**
   * The row changes of the next batch, as `commitBatch` would compute them when none of its
   * events is a copy of a known one (the writer checks that with `eventIds`).
   */
  project(batch: DecodedBatch): ProjectedBatch {
    const floor = Math.min(...this.#projections.map((d) => this.#checkpoints.get(d.name) ?? 0));
    const eventIds = ledgerCandidates(batch, floor);
    const copies = eventIds.length < batch.events.filter((e) => e.seq > floor).length;
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
    return { ...changes, eventIds, copies };
  }
}
