/**
 * Partitions of a read model by machine: a partitionable definition (one whose rows each depend on
 * one machine's events) becomes `count` unit definitions, `power_minutes#0` … `power_minutes#3`.
 * Each is a lease unit with a checkpoint of its own and folds only the events of the machines
 * that hash to it, into the same table; one machine is always in one partition, so its events are
 * still applied in stream order by one writer. The hash must never change: it decides which rows
 * a partition's checkpoint covers.
 */
import type { AnyProjection } from "./projection.ts";
import type { StreamEvent } from "./types.ts";

/** Between a read model's name and a partition's index in a unit name. */
export const PARTITION_MARK = "#";

/** Partitions of a partitionable read model when PROJECTOR_PARTITIONS is not set. */
export const DEFAULT_PARTITIONS = 4;

/** The most partitions a read model may have (as migration 007 checks). */
export const MAX_PARTITIONS = 1024;

/** The partition (0 … count-1) of a machine: FNV-1a (32-bit) of its id, modulo `count`. */
export function partitionOf(machineId: string, count: number): number {
  let hash = 0x811c9dc5;
  // Machine ids are ASCII ([A-Za-z0-9_-]), so their char codes are their bytes.
  for (let i = 0; i < machineId.length; i++) {
    hash = Math.imul(hash ^ machineId.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash % count;
}

/** The unit name of partition `index` of `count`; the read model's own name when it is whole. */
export function unitName(projection: string, index: number, count: number): string {
  return count <= 1 ? projection : `${projection}${PARTITION_MARK}${index}`;
}

/** The read model a unit (a read model's name, or a partition's) belongs to. */
export function projectionOfUnit(unit: string): string {
  const at = unit.indexOf(PARTITION_MARK);
  return at < 0 ? unit : unit.slice(0, at);
}

/** The partition index of a unit; 0 for a whole read model. */
export function partitionIndexOf(unit: string): number {
  const at = unit.indexOf(PARTITION_MARK);
  return at < 0 ? 0 : Number(unit.slice(at + 1));
}

/** The definition of partition `index` of `count` of `definition`: the same, on its machines only. */
export function partitionDefinition(
  definition: AnyProjection,
  index: number,
  count: number,
): AnyProjection {
  if (count <= 1) return definition;
  // Hashing is per event and per partition held; a fleet has few machine ids, so remember them.
  const memo = new Map<string, boolean>();
  const mine = (events: readonly StreamEvent[]) =>
    events.filter(({ event }) => {
      let hit = memo.get(event.machineId);
      if (hit === undefined) {
        hit = partitionOf(event.machineId, count) === index;
        if (memo.size < 100_000) memo.set(event.machineId, hit);
      }
      return hit;
    });
  const carried = definition.carried;
  return {
    ...definition,
    name: unitName(definition.name, index, count),
    project: (events, rows) => definition.project(mine(events), rows),
    carried: carried && { ...carried, keysOf: (events) => carried.keysOf(mine(events)) },
  };
}

/**
 * The units `definitions` are written in: each partitionable one split into `partitionsOf` of it
 * (1 keeps it whole), the others whole.
 */
export function unitsOf(
  definitions: readonly AnyProjection[],
  partitionsOf: (definition: AnyProjection) => number,
): AnyProjection[] {
  return definitions.flatMap((definition) => {
    const count = definition.partitionable ? partitionsOf(definition) : 1;
    return Array.from({ length: count }, (_, i) => partitionDefinition(definition, i, count));
  });
}
