/** The API's configuration, read once from the environment. */
import { z } from "zod";
import { ConfigError, natsUrlList, optionalUrl, parseEnv, positiveInt } from "../lib/mod.ts";
import { type ApiKey, parseApiKeys } from "./auth.ts";

/** Environment variables read by the API. */
export const ApiEnv = z.object({
  PORT: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(0, "must be 0–65535").max(65535, "must be 0–65535").default(8080),
  HOSTNAME: z.string().default("0.0.0.0"),
  NATS_URL: natsUrlList(["nats:", "tls:", "ws:", "wss:"]).default("nats://127.0.0.1:4222"),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]).default(
    "postgres://postgres@127.0.0.1:5432/signals",
  ),
  API_KEYS: z.string().default(""),
  PUBLIC_READS: z.stringbool({ error: "must be true or false" }).default(false),
  CORS_ORIGINS: z.string().default("").transform((value) =>
    value.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")
  ),
  QUERY_TIMEOUT_MS: positiveInt(5000),
  BODY_LIMIT_BYTES: positiveInt(65_536),
  SSE_HEARTBEAT_MS: positiveInt(15_000),
  PROJECTOR_STALE_MS: positiveInt(30_000),
  DB_POOL_SIZE: positiveInt(10),
  /** The live projector's key, so replay jobs dead-letter the same events. */
  SIGNING_KEY: z.string().optional(),
  /** Replay jobs run long bulk statements, so their pool gets a timeout of its own. */
  REPLAY_STATEMENT_TIMEOUT_MS: positiveInt(600_000),
});

/** The parsed configuration. */
export type ApiConfig = Omit<z.infer<typeof ApiEnv>, "API_KEYS"> & { API_KEYS: ApiKey[] };

/** Reads the API configuration; throws a `ConfigError` naming the bad variable. */
export function readApiConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ApiConfig {
  const config = parseEnv(ApiEnv, env);
  try {
    return { ...config, API_KEYS: parseApiKeys(config.API_KEYS) };
  } catch (error) {
    // The message must not echo the value: it holds secrets.
    throw new ConfigError("API_KEYS", `Invalid API_KEYS: ${(error as Error).message}`);
  }
}
