/**
 * The registry of read models: every definition the projector runs, in one list. Everything that
 * deals with "all projections" (the batch step, the writer, the reference views, the reader, the
 * schema copies, the checkpoints, replay planning and seeding, the API's listing) iterates over
 * it. Adding a read model: a definition file, a migration, and one line here.
 */
import type { AnyProjection, RowOf } from "./projection.ts";
import { BOOKKEEPING_TABLES } from "./store/schema.ts";
import { machines } from "./projections/machines.ts";
import { stateChanges } from "./projections/state_changes.ts";
import { errors } from "./projections/errors.ts";
import { errorMinutes } from "./projections/error_minutes.ts";
import { powerMinutes } from "./projections/power_minutes.ts";
import { sensorReadings } from "./projections/sensor_readings.ts";
import { failures } from "./projections/failures.ts";
import { xrayScans } from "./projections/xray_scans.ts";

/** Every read model, in the order their tables are written and their checkpoints listed. */
export const REGISTRY = [
  machines,
  stateChanges,
  errors,
  errorMinutes,
  powerMinutes,
  sensorReadings,
  failures,
  xrayScans,
] as const;

type Registered = typeof REGISTRY[number];

/** The name of a registered projection, which is also the name of its table. */
export type ProjectionName = Registered["name"];

/** Every projection's name, one per read-model table, each with its own checkpoint. */
export const PROJECTIONS = REGISTRY.map((d) => d.name) as unknown as NamesOf<typeof REGISTRY>;

type NamesOf<T extends readonly unknown[]> = {
  readonly [K in keyof T]: T[K] extends { name: infer N } ? N : never;
};

/** The rows of each registered read model, by projection name. */
export type RowsOf = { [D in Registered as D["name"]]: RowOf<D> };

/** Every table the batch writer touches, read models first. */
export const READ_MODEL_TABLES: readonly string[] = [...PROJECTIONS, ...BOOKKEEPING_TABLES];

/** A projection given by name (looked up in {@linkcode REGISTRY}) or by its definition. */
export type ProjectionRef = string | AnyProjection;

/**
 * The definitions `refs` name, in order; all of {@linkcode REGISTRY} when undefined. A name must
 * be registered (a definition passed in need not be: tests and extensions add their own).
 */
export function resolveProjections(refs?: readonly ProjectionRef[]): AnyProjection[] {
  if (refs === undefined) return [...REGISTRY];
  return refs.map((ref) => {
    if (typeof ref !== "string") return ref;
    const found = REGISTRY.find((d) => d.name === ref);
    if (!found) throw new RangeError(`Unknown projection '${ref}'`);
    return found;
  });
}

/** Whether `name` is a registered projection. */
export function isProjectionName(name: string): name is ProjectionName {
  return REGISTRY.some((d) => d.name === name);
}
