/**
 * `deno task dev`: the whole system on one machine. Starts nats-server and PostgreSQL from the
 * local binaries (data in `.data/`, unless NATS_URL / DATABASE_URL point elsewhere), then the
 * producer, projector and API, prints the API's URL and an admin key (kept in DATA_DIR/admin_key
 * across runs), and on Ctrl-C or SIGTERM stops everything it started.
 * @module
 */
import { runService } from "../lib/config.ts";
import { loadDevConfig } from "./config.ts";
import { startStack } from "./stack.ts";
import { supervise, type Supervised } from "./services.ts";
import { isListening, waitUntil } from "./ports.ts";
import { loadOrCreateAdminKey } from "./admin_key.ts";

const SERVICES = ["projector", "api", "producer"] as const;
const STOP_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const config = loadDevConfig();
  // Otherwise the wait for /health below could be answered by whatever holds the port.
  if (await isListening(config.port)) {
    console.error(
      `[dev] Port ${config.port} is already in use: set PORT to a free one (PORT=8081)`,
    );
    Deno.exit(1);
  }
  console.error(`[dev] starting nats-server and PostgreSQL (data in ${config.dataDir}/)…`);
  const stack = await startStack({
    dataDir: config.dataDir,
    natsUrl: config.natsUrl,
    databaseUrl: config.databaseUrl,
    natsPort: config.natsPort,
    postgresPort: config.postgresPort,
  }).catch((error: Error) => {
    // A missing binary or a busy port is explained in one line; no stack trace.
    console.error(`[dev] ${error.message}`);
    Deno.exit(1);
  });
  const adminKey = config.apiKeys ? undefined : await loadOrCreateAdminKey(config.dataDir);
  const apiKey = adminKey?.key;
  const env = {
    ...Deno.env.toObject(),
    NATS_URL: stack.natsUrl,
    DATABASE_URL: stack.databaseUrl,
    PORT: String(config.port),
    API_KEYS: config.apiKeys ?? `${apiKey}:admin`,
    // With a generated key, reads stay open on this machine so plain curl works; admin needs it.
    PUBLIC_READS: config.apiKeys ? (config.publicReads ?? "false") : "true",
  };
  const running: Supervised[] = SERVICES.map((name) => supervise(name, env));
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
      adminKey
        ? `[dev] API key: ${adminKey.key} (role admin, kept in ${adminKey.path})`
        : "[dev] API keys: from API_KEYS",
      `[dev] try:     curl -H 'Authorization: Bearer ${
        apiKey ?? "<key>"
      }' ${url}/signals/power/latest`,
      "[dev] Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

if (import.meta.main) runService(main);
