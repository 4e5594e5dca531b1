/** Structured logs: one JSON line per record, on stderr. */

/** The log levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** A log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** A structured logger bound to one service. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger whose records carry `service` and drop anything below `level`. The level comes from
 * the service's config (`LOG_LEVEL`, see `lib/config.ts`), never from the environment here.
 */
export function createLogger(service: string, level: LogLevel = "info"): Logger {
  const write = (at: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return;
    const record = { time: new Date().toISOString(), level: at, service, msg, ...fields };
    console.error(JSON.stringify(record, errorReplacer));
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** An `Error` as plain data for a log record. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** A nats.js, PostgreSQL or Deno error code, when the error has one. */
  code?: unknown;
  cause?: unknown;
  /** The inner errors of an `AggregateError`. */
  errors?: unknown[];
}

/**
 * `error` as plain data: name, message, stack, code, and the `cause` chain (serialized the same
 * way), so a log keeps why something failed and where. Stops at a cycle or after 8 causes.
 */
export function serializeError(
  error: Error,
  depth = 0,
  seen = new Set<unknown>(),
): SerializedError {
  seen.add(error);
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  const inner = (value: unknown) =>
    value instanceof Error && !seen.has(value) && depth < 8
      ? serializeError(value, depth + 1, seen)
      : value instanceof Error
      ? `${value.name}: ${value.message}`
      : value;
  if (error.cause !== undefined) out.cause = inner(error.cause);
  if (error instanceof AggregateError) out.errors = error.errors.map(inner);
  return out;
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? serializeError(value) : value;
}
