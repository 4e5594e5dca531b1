/** Configuration of `deno task dev`, read once from the environment (the pattern of `lib/config.ts`). */
import { z } from "zod";
import {
  DEFAULT_NATS_PORT,
  DEFAULT_POSTGRES_PORT,
  optionalUrl,
  parseEnv,
  port,
  SharedEnv,
} from "../lib/config.ts";
import { natsUrlList } from "../lib/nats_urls.ts";

/** The route port of the first node of `deno task dev --cluster`. */
export const DEFAULT_NATS_CLUSTER_PORT = 6222;

/** Every variable `deno task dev` reads itself; the rest is passed on to the services. */
export const DevEnv = SharedEnv.pick({ DATA_DIR: true, PORT: true }).extend({
  NATS_URL: natsUrlList(["nats:", "tls:"]).describe(
    "Use this NATS (one server, or a cluster's servers comma-separated) instead of starting " +
      "nats-server from the local binary.",
  ),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"])
    .describe("Use this PostgreSQL instead of starting one from the local binaries."),
  API_KEYS: z.string().optional().describe(
    "Passed to the API. Unset: dev uses an admin key kept in DATA_DIR/admin_key across runs, " +
      "prints it and where it is kept, and opens reads to all.",
  ),
  PUBLIC_READS: z.enum(["true", "false"], { message: "must be true or false" }).optional()
    .describe("Passed to the API when API_KEYS is set; without API_KEYS reads are public."),
  NATS_PORT: port(DEFAULT_NATS_PORT).describe(
    "Port of the nats-server dev starts; with --cluster the other two nodes take +1 and +2.",
  ),
  POSTGRES_PORT: port(DEFAULT_POSTGRES_PORT).describe(
    "Port of the PostgreSQL dev starts; with --cluster its hot-standby replica takes this +1.",
  ),
  NATS_CLUSTER_PORT: port(DEFAULT_NATS_CLUSTER_PORT).describe(
    "With --cluster: route port of the first nats-server; the others take +1 and +2.",
  ),
});

/** The dev runner's settings. */
export interface DevConfig {
  dataDir: string;
  port: number;
  /** Unset: dev starts nats-server itself. */
  natsUrl?: string;
  /** Unset: dev starts PostgreSQL itself. */
  databaseUrl?: string;
  apiKeys?: string;
  publicReads?: "true" | "false";
  natsPort: number;
  postgresPort: number;
  natsClusterPort: number;
}

/** Reads the dev runner's settings; a bad value throws a ConfigError naming the variable. */
export function loadDevConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): DevConfig {
  const e = parseEnv(DevEnv, env);
  return {
    dataDir: e.DATA_DIR,
    port: e.PORT,
    natsUrl: e.NATS_URL,
    databaseUrl: e.DATABASE_URL,
    apiKeys: e.API_KEYS,
    publicReads: e.PUBLIC_READS,
    natsPort: e.NATS_PORT,
    postgresPort: e.POSTGRES_PORT,
    natsClusterPort: e.NATS_CLUSTER_PORT,
  };
}
