/** Structured logs: one JSON line per record, on stderr. */

/** A log level. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured logger bound to one service. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function minLevel(): LogLevel {
  const level = Deno.env.get("LOG_LEVEL") as LogLevel | undefined;
  return level && level in ORDER ? level : "info";
}

/** A logger whose records carry `service`; `LOG_LEVEL` sets the threshold. */
export function createLogger(service: string, level: LogLevel = minLevel()): Logger {
  const write = (at: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return;
    const record = { time: new Date().toISOString(), level: at, service, msg, ...fields };
    console.error(JSON.stringify(record, errorReplacer));
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
