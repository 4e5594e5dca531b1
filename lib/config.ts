/**
 * Reads a service's configuration from the environment once, with zod, naming any bad variable.
 *
 * ## The pattern every service follows
 * 1. `<service>/config.ts` exports a zod object `XEnv` whose keys are the SCREAMING_CASE variable
 *    names. Every field carries a description (`.describe("…")`): `docs/configuration.md` is
 *    generated from these schemas (`deno task docs:config`), and a test fails when it drifts.
 *    Shared variables come from {@linkcode SharedEnv}, so their default and description exist once:
 *    `SharedEnv.pick({ NATS_URL: true, LOG_LEVEL: true }).extend({ MY_VAR: positiveInt(5).describe("…") })`.
 * 2. It exports one loader, `loadXConfig(env = Deno.env.toObject())`, which calls
 *    {@linkcode parseEnv} and returns camelCase settings (`natsUrl`, `logLevel`, …), never the raw
 *    SCREAMING_CASE object. Cross-field checks throw {@linkcode ConfigError} naming the variable.
 * 3. Only `main.ts` calls the loader; everything else takes the typed settings. The logger gets its
 *    level from them: `createLogger("x", config.logLevel)`.
 * 4. `main.ts` runs under {@linkcode runService}, so a bad value stops start-up with one line.
 * 5. The schema is listed in `dev/config_docs.ts`, so it appears in `docs/configuration.md`.
 *
 * @module
 */
import { z } from "zod";
import { LOG_LEVELS } from "./log.ts";
import { natsUrlList } from "./nats_urls.ts";

/** Where services find NATS when `NATS_URL` is unset. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
/** Where services find PostgreSQL when `DATABASE_URL` is unset. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/signals";
/** The API's HTTP port when `PORT` is unset. */
export const DEFAULT_PORT = 8080;
/** The port of the nats-server that `dev/` starts. */
export const DEFAULT_NATS_PORT = 4222;
/** The port of the PostgreSQL that `dev/` starts. */
export const DEFAULT_POSTGRES_PORT = 5432;
/** Where `dev/` keeps the data of the servers it starts. */
export const DEFAULT_DATA_DIR = ".data";

/** A configuration value is invalid; the message names the variable and the value seen. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly variable: string, message: string) {
    super(message);
  }
}

/** Parses `env` with a zod object whose keys are variable names; throws {@linkcode ConfigError}. */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): z.infer<S> {
  const values: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    values[key] = value === "" ? undefined : value;
  }
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? "(config)");
  throw new ConfigError(
    variable,
    `Invalid ${variable}=${JSON.stringify(values[variable] ?? "")}: ${issue.message}`,
  );
}

/** A positive integer variable with a default. */
export function positiveInt(defaultValue: number) {
  return z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .positive("must be greater than 0").default(defaultValue);
}

/** A TCP port variable with a default; `min` 0 lets the system pick a free port. */
export function port(defaultPort: number, min: 0 | 1 = 1) {
  return z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(min, `must be ${min}–65535`).max(65535, `must be ${min}–65535`).default(defaultPort);
}

/** A URL variable, optional; an embedded server is used when unset. */
export function optionalUrl(protocols: string[]) {
  return z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(" or ")}//`).optional();
}

/** The variables several services read, each with its one default and description. */
export const SharedEnv = z.object({
  NATS_URL: natsUrlList(["nats:", "tls:"]).default(DEFAULT_NATS_URL).describe(
    "The NATS server with JetStream, or several comma-separated (a cluster's nodes): any " +
      "reachable one will do.",
  ),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]).default(DEFAULT_DATABASE_URL)
    .describe("The PostgreSQL database of the read models."),
  SIGNING_KEY: z.string().optional().describe(
    "HMAC-SHA256 key of event signatures (header Signal-Signature). The producer signs with it; " +
      "the projector and replay dead-letter unsigned or wrongly signed events when it is set.",
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info").describe("The least severe log level written (debug, info, warn, error)."),
  PORT: port(DEFAULT_PORT).describe("The HTTP port of the API."),
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR)
    .describe("Where the embedded nats-server and PostgreSQL keep their data."),
});

/** Runs `main`, turning a {@linkcode ConfigError} into one line on stderr and exit code 2. */
export async function runService(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(2);
    }
    throw error;
  }
}
