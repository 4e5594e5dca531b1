/**
 * `deno task dev`: the whole system on one machine. Starts nats-server and PostgreSQL from the
 * local binaries (data in `.data/`, unless NATS_URL / DATABASE_URL point elsewhere), then the
 * producer, projector, API and a replay worker, prints the API's URL and an admin key (kept in DATA_DIR/admin_key
 * across runs), and on Ctrl-C or SIGTERM stops everything it started.
 *
 * `deno task dev --cluster` shows the scale-out on one machine: a three-node JetStream cluster
 * (client ports NATS_PORT, +1, +2; route ports NATS_CLUSTER_PORT, +1, +2; data in
 * DATA_DIR/nats-1…3) with the stream at three replicas, and a hot-standby PostgreSQL replica on
 * POSTGRES_PORT+1 (DATA_DIR/postgres-replica) that the API may read from.
 * @module
 */
import { ConfigError, runService } from "../lib/config.ts";
import { loadDevConfig } from "./config.ts";
import { CLUSTER_NODES, type Stack, startStack } from "./stack.ts";
import { supervise, type Supervised } from "./services.ts";
import { isListening, waitUntil } from "./ports.ts";
import { loadOrCreateAdminKey } from "./admin_key.ts";

const SERVICES = ["projector", "api", "replay-worker", "producer"] as const;
const STOP_GRACE_MS = 5_000;

/** The command-line flags of `deno task dev`. */
function parseDevArgs(args: readonly string[]): { cluster: boolean } {
  const unknown = args.filter((arg) => arg !== "--cluster");
  if (unknown.length) {
    throw new ConfigError("args", `Unknown argument ${unknown[0]}: the only flag is --cluster`);
  }
  return { cluster: args.includes("--cluster") };
}

async function main(): Promise<void> {
  const { cluster } = parseDevArgs(Deno.args);
  const config = loadDevConfig();
  // Otherwise the wait for /health below could be answered by whatever holds the port.
  if (await isListening(config.port)) {
    console.error(
      `[dev] Port ${config.port} is already in use: set PORT to a free one (PORT=8081)`,
    );
    Deno.exit(1);
  }
  console.error(
    cluster
      ? `[dev] starting a three-node NATS cluster, PostgreSQL and its replica (data in ${config.dataDir}/)…`
      : `[dev] starting nats-server and PostgreSQL (data in ${config.dataDir}/)…`,
  );
  const stack = await startStack({
    dataDir: config.dataDir,
    natsUrl: config.natsUrl,
    databaseUrl: config.databaseUrl,
    natsPort: config.natsPort,
    postgresPort: config.postgresPort,
    natsCluster: cluster,
    natsRoutePorts: config.natsClusterPort,
    replicaPort: cluster ? config.postgresPort + 1 : undefined,
  }).catch((error: Error) => {
    // A missing binary or a busy port is explained in one line; no stack trace.
    console.error(`[dev] ${error.message}`);
    Deno.exit(1);
  });
  const adminKey = config.apiKeys ? undefined : await loadOrCreateAdminKey(config.dataDir);
  const apiKey = adminKey?.key;
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    NATS_URL: stack.natsUrl,
    DATABASE_URL: stack.databaseUrl,
    ...(cluster ? clusterEnv(stack) : {}),
    PORT: String(config.port),
    API_KEYS: config.apiKeys ?? `${apiKey}:admin`,
    // With a generated key, reads stay open on this machine so plain curl works; admin needs it.
    PUBLIC_READS: config.apiKeys ? (config.publicReads ?? "false") : "true",
  };
  const running: Supervised[] = SERVICES.map((name) => supervise(name, env));
  // Under --cluster a second projector worker shares the read models through the leases.
  if (cluster) running.push(supervise("projector", env, { label: "projector-2" }));
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      console.error("[dev] stopping…");
      await Promise.all(running.map((service) => service.stop(STOP_GRACE_MS)));
      await stack.stop();
      console.error("[dev] stopped");
      Deno.exit(0);
    })();
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);

  const url = `http://localhost:${config.port}`;
  await waitUntil(`the API at ${url}/health`, async () => {
    try {
      const response = await fetch(`${url}/health`);
      await response.body?.cancel();
      return true;
    } catch {
      return false;
    }
  }, 60_000);
  console.error(
    [
      "",
      `[dev] API:     ${url}   (docs: ${url}/docs)`,
      `[dev] Dashboard: ${url}/`,
      adminKey
        ? `[dev] API key: ${adminKey.key} (role admin, kept in ${adminKey.path})`
        : "[dev] API keys: from API_KEYS",
      `[dev] try:     curl -H 'Authorization: Bearer ${
        apiKey ?? "<key>"
      }' ${url}/signals/power/latest`,
      ...(cluster
        ? [
          `[dev] NATS:    ${stack.natsUrl}   (stream at R${env.STREAM_REPLICAS})`,
          `[dev] replica: ${env.DATABASE_READ_URL ?? "none (DATABASE_URL is set)"}`,
        ]
        : []),
      "[dev] Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

/** What the services get under --cluster, unless the environment says otherwise. */
function clusterEnv(stack: Stack): Record<string, string> {
  const env: Record<string, string> = {
    STREAM_REPLICAS: Deno.env.get("STREAM_REPLICAS") ?? String(CLUSTER_NODES),
  };
  const readUrl = Deno.env.get("DATABASE_READ_URL") ?? stack.databaseReadUrl;
  if (readUrl) env.DATABASE_READ_URL = readUrl;
  return env;
}

if (import.meta.main) runService(main);
