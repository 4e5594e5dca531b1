/** Loggers for tests: one that drops everything, one that keeps its records to assert on. */
import type { Logger } from "../lib/mod.ts";

/** A logger that writes nothing, so test output stays readable. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A record kept by {@linkcode memoryLogger}. */
export interface LoggedRecord {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

const ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const;

/**
 * A logger that keeps its records in `lines`, for tests that check what was logged; records
 * below `level` are dropped.
 */
export function memoryLogger(level: LoggedRecord["level"] = "debug"): Logger & {
  lines: LoggedRecord[];
} {
  const lines: LoggedRecord[] = [];
  const at = (at: LoggedRecord["level"]) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] >= ORDER[level]) lines.push({ level: at, msg, fields });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
