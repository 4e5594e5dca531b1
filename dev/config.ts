/** Configuration of `deno task dev`, read once from the environment. */
import { z } from "zod";
import { optionalUrl, parseEnv, positiveInt } from "../lib/config.ts";

const port = (defaultPort: number) =>
  positiveInt(defaultPort).refine((p) => p < 65536, "must be a port below 65536");

const DevEnv = z.object({
  DATA_DIR: z.string().default(".data"),
  PORT: port(8080),
  NATS_URL: optionalUrl(["nats:", "tls:"]),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
  API_KEYS: z.string().optional(),
  NATS_PORT: port(4222),
  POSTGRES_PORT: port(5432),
});

/** The dev runner's settings. */
export type DevConfig = z.infer<typeof DevEnv>;

/** Reads the dev runner's settings; a bad value throws a ConfigError naming the variable. */
export function loadDevConfig(env: Record<string, string | undefined> = Deno.env.toObject()) {
  return parseEnv(DevEnv, env);
}
