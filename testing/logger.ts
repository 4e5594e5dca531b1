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

/** A logger that keeps its records in `lines`, for tests that check what was logged. */
export function memoryLogger(): Logger & { lines: LoggedRecord[] } {
  const lines: LoggedRecord[] = [];
  const at = (level: LoggedRecord["level"]) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
