/** Command-line flags of the producer: each `--some-name value` is the variable `SOME_NAME`. */
import { ConfigError } from "../lib/mod.ts";

/** The variable a flag stands for: `--sensor-interval-ms` → `SENSOR_INTERVAL_MS`. */
export function variableOf(flag: string): string {
  return flag.replace(/^--/, "").replaceAll("-", "_").toUpperCase();
}

/** The flag of a variable: `SENSOR_INTERVAL_MS` → `--sensor-interval-ms`. */
export function flagOf(variable: string): string {
  return `--${variable.toLowerCase().replaceAll("_", "-")}`;
}

/**
 * Reads `--name value` and `--name=value` pairs into variables; a flag that names no known
 * variable, or lacks a value, stops start-up naming it.
 */
export function parseFlags(
  args: readonly string[],
  known: readonly string[],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      throw new ConfigError(
        "(flags)",
        `Unexpected argument '${arg}': flags look like --machines 5`,
      );
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const variable = variableOf(flag);
    if (!known.includes(variable)) {
      throw new ConfigError(variable, `Unknown flag '${flag}': see --help`);
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith("--")) value = args[++i];
    if (value === undefined) throw new ConfigError(variable, `Flag '${flag}' needs a value`);
    values[variable] = value;
  }
  return values;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration like `500ms`, `30s`, `5m`, `1.5h` or `2d`; NaN when malformed. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return NaN;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** Epoch ms of an ISO 8601 time (`2026-11-20T00:00Z`) or of epoch milliseconds; NaN otherwise. */
export function parseTime(text: string): number {
  const trimmed = text.trim();
  if (/^\d{1,15}$/.test(trimmed)) return Number(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return NaN;
  return Date.parse(trimmed);
}
