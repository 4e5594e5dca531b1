/** Command-line flags of the producer: each `--some-name value` is the variable `SOME_NAME`. */
import { parseArgs } from "node:util";
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
 * Reads `--name value` and `--name=value` pairs into variables with `node:util` `parseArgs`; a
 * flag that names no known variable, lacks a value, or a stray argument stops start-up naming it.
 */
export function parseFlags(
  args: readonly string[],
  known: readonly string[],
): Record<string, string> {
  const options = Object.fromEntries(
    known.map((variable) => [flagOf(variable).slice(2), { type: "string" as const }]),
  );
  // Not strict: the tokens are checked here, so each problem gets a message naming the variable.
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string> = {};
  for (const token of tokens) {
    if (token.kind === "positional") {
      throw new ConfigError(
        "(flags)",
        `Unexpected argument '${token.value}': flags look like --machines 5`,
      );
    }
    if (token.kind !== "option") continue;
    const variable = variableOf(token.name);
    if (!known.includes(variable)) {
      throw new ConfigError(variable, `Unknown flag '${token.rawName}': see --help`);
    }
    const { value, inlineValue } = token;
    if (value === undefined || (!inlineValue && value.startsWith("--"))) {
      throw new ConfigError(variable, `Flag '${token.rawName}' needs a value`);
    }
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
