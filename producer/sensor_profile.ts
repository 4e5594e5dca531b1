/**
 * Sensor statistics learnt from a reference CSV: per sensor the mean, standard deviation and
 * bounds of normal rows, and per failure type the pattern its labelled rows show.
 */
import { parse } from "csv-parse";
import type { Logger } from "../lib/mod.ts";

/** What the simulator knows about one sensor. */
export interface SensorStats {
  name: string;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** Everything the sensor model learns from reference data. */
export interface SensorProfile {
  /** Where the statistics came from: a file path, or `built-in defaults`. */
  source: string;
  sensors: SensorStats[];
  /** Per failure type, the value each sensor (same order as `sensors`) tends to. */
  failures: Record<string, number[]>;
}

/** The CSV shipped with the producer: 20 sensors, 240 normal rows, 60 labelled failure rows. */
export const SAMPLE_SENSOR_FILE = decodeURIComponent(
  new URL("./data/sensor_reference.csv", import.meta.url).pathname,
);

/** Column names that carry the failure label, in order of preference. */
export const LABEL_COLUMNS = ["failure", "failure_type", "label", "machine_status"] as const;
const NORMAL_LABELS = new Set(["", "none", "normal", "0", "false", "ok"]);

/** Learns a profile from CSV rows (header → cell); pure. Throws when no sensor column is found. */
export function learnSensorProfile(
  rows: readonly Record<string, string>[],
  source: string,
): SensorProfile {
  const columns = Object.keys(rows[0] ?? {});
  const labelColumn = LABEL_COLUMNS.find((c) => columns.includes(c));
  const labelOf = (row: Record<string, string>) => (labelColumn ? row[labelColumn]! : "").trim();
  const normal = rows.filter((row) => NORMAL_LABELS.has(labelOf(row).toLowerCase()));
  const sensorColumns = columns.filter((c) =>
    c !== labelColumn && normal.length > 0 && normal.every((row) => isNumber(row[c]))
  );
  if (sensorColumns.length === 0) {
    throw new Error(`No numeric sensor column with normal rows in ${source}`);
  }
  const sensors = sensorColumns.map((name) => statsOf(name, normal.map((r) => Number(r[name]))));
  const failures: Record<string, number[]> = {};
  const normalSet = new Set(normal);
  const byType = Map.groupBy(rows.filter((r) => !normalSet.has(r)), labelOf);
  for (const [type, labelled] of byType) {
    failures[type] = sensors.map((s) => {
      const values = labelled.map((r) => Number(r[s.name])).filter(Number.isFinite);
      return values.length ? mean(values) : s.mean;
    });
  }
  return { source, sensors, failures };
}

/** Reads and learns a profile from a CSV file with a header row, parsed by csv-parse. */
export async function loadSensorProfile(path: string): Promise<SensorProfile> {
  const text = await Deno.readTextFile(path);
  const rows = await new Promise<Record<string, string>[]>((resolve, reject) =>
    parse(text, { columns: true, skip_empty_lines: true, trim: true }, (error, records) => {
      if (error) reject(error);
      else resolve(records as Record<string, string>[]);
    })
  );
  return learnSensorProfile(rows, path);
}

/** Statistics of 20 generic sensors, used when no reference CSV is available. */
export const DEFAULT_SENSOR_PROFILE: SensorProfile = (() => {
  const sensors = Array.from({ length: 20 }, (_, i): SensorStats => {
    const mean = 10 * (i + 1);
    const std = 0.5 + (i % 5) * 0.25;
    return {
      name: `sensor_${String(i + 1).padStart(2, "0")}`,
      mean,
      std,
      min: mean - 4 * std,
      max: mean + 4 * std,
    };
  });
  return {
    source: "built-in defaults",
    sensors,
    failures: {
      drift_high: sensors.map((s, i) => (i % 3 === 0 ? s.mean + 5 * s.std : s.mean)),
      drift_low: sensors.map((s, i) => (i % 4 === 1 ? s.mean - 5 * s.std : s.mean)),
    },
  };
})();

function isNumber(cell: string | undefined): boolean {
  return cell !== undefined && cell.trim() !== "" && Number.isFinite(Number(cell));
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function statsOf(name: string, values: readonly number[]): SensorStats {
  const m = mean(values);
  const variance = values.length > 1
    ? values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1)
    : 0;
  // A constant column still gets a little spread, so the random walk is not frozen.
  const std = Math.sqrt(variance) || Math.abs(m) * 0.01 || 0.01;
  // Bounds a little wider than seen: a short reference log rarely shows the true extremes.
  return {
    name,
    mean: m,
    std,
    min: values.reduce((a, b) => Math.min(a, b)) - 0.5 * std,
    max: values.reduce((a, b) => Math.max(a, b)) + 0.5 * std,
  };
}

/** Loads the sensor profile of `path`; falls back to built-in defaults, and says so. */
export async function sensorProfileFor(
  path: string | null,
  logger: Logger,
): Promise<SensorProfile> {
  if (path === null) {
    logger.info("no SENSOR_DATA_FILE: using built-in sensor statistics");
    return DEFAULT_SENSOR_PROFILE;
  }
  try {
    const profile = await loadSensorProfile(path);
    logger.info("sensor statistics learnt", {
      file: path,
      sensors: profile.sensors.length,
      failureTypes: Object.keys(profile.failures),
    });
    return profile;
  } catch (error) {
    logger.warn("cannot learn sensor statistics: using built-in defaults", { file: path, error });
    return DEFAULT_SENSOR_PROFILE;
  }
}
