/**
 * The stack `deno task chaos` runs and hurts: NATS and PostgreSQL from `dev/` in a temporary
 * DATA_DIR on free ports, and the producer, projector and API as processes, as an operator would
 * run them, with a signing key.
 */
import postgres, { type Sql } from "postgres";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { type Stack, startStack } from "./stack.ts";
import { freePort } from "./ports.ts";
import { migrate } from "../projector/mod.ts";
import { type SpawnedService, spawnService } from "../testing/process.ts";
import { SERVICE_V8_FLAGS } from "./service_command.ts";

/** A service chaos runs: its entry point and permission set. */
const SERVICES = {
  producer: { script: "producer/main.ts", permissions: "producer" },
  projector: { script: "projector/main.ts", permissions: "projector" },
  api: { script: "api/main.ts", permissions: "api" },
  replay: { script: "replay/main.ts", permissions: "replay" },
} as const;

/** A name of {@linkcode SERVICES}. */
export type ChaosService = keyof typeof SERVICES;

/** The running stack and its services. */
export interface ChaosStack {
  stack: Stack;
  dataDir: string;
  sql: Sql;
  nc: NatsConnection;
  env: Record<string, string>;
  apiUrl: string;
  /** The current process of each service started. */
  running: Map<ChaosService, SpawnedService>;
  /** Starts `name` (with extra `args`); it replaces the one kept under that name. */
  start(name: ChaosService, args?: string[]): SpawnedService;
  /** Stops every service, closes the connections, stops the servers, removes the data. */
  close(): Promise<void>;
}

/** Starts NATS and PostgreSQL in a fresh temporary directory and migrates the database. */
export async function startChaosStack(options: { machines: number }): Promise<ChaosStack> {
  const dataDir = await Deno.makeTempDir({ prefix: "signals-chaos-" });
  // PostgreSQL runs as another user when we are root, and must reach its directory.
  await Deno.chmod(dataDir, 0o755);
  let stack: Stack | undefined;
  let sql: Sql | undefined;
  let nc: NatsConnection | undefined;
  const running = new Map<ChaosService, SpawnedService>();
  const close = async () => {
    await Promise.all([...running.values()].map((s) => stopService(s)));
    await nc?.close().catch(() => {});
    await sql?.end({ timeout: 5 }).catch(() => {});
    await stack?.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  try {
    stack = await startStack({
      dataDir,
      natsUrl: "",
      databaseUrl: "",
      natsPort: freePort(),
      postgresPort: freePort(),
      unsafeFast: true,
      removeOnStop: true,
    });
    sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
    await migrate(sql);
    nc = await connect({
      servers: stack.natsUrl,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  } catch (error) {
    await close();
    throw error;
  }
  const port = freePort();
  const key = [...crypto.getRandomValues(new Uint8Array(32))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const env = {
    NATS_URL: stack.natsUrl,
    DATABASE_URL: stack.databaseUrl,
    SIGNING_KEY: key,
    LOG_LEVEL: "warn",
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    PUBLIC_READS: "true",
    MACHINES: String(options.machines),
    // Short, so a byte-for-byte copy sent later is stored again and the ledger must skip it.
    STREAM_DUPLICATE_WINDOW: "2s",
  };
  return {
    stack,
    dataDir,
    sql,
    nc,
    env,
    apiUrl: `http://127.0.0.1:${port}`,
    running,
    start(name, args = []) {
      const { script, permissions } = SERVICES[name];
      const flags = name === "replay" ? SERVICE_V8_FLAGS["replay-worker"] : SERVICE_V8_FLAGS[name];
      // The heap limits `deno task <name>` runs with, so the peak RSS measured is theirs.
      const v8 = flags.replace("--v8-flags=", "");
      const service = spawnService(script, {
        permissions,
        env: { ...env, DENO_V8_FLAGS: v8 },
        args,
      });
      running.set(name, service);
      return service;
    },
    close,
  };
}

/** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
export async function stopService(service: SpawnedService, graceMs = 15_000): Promise<number> {
  const timer = setTimeout(() => {
    try {
      service.child.kill("SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }, graceMs);
  try {
    return await service.stop("SIGTERM");
  } finally {
    clearTimeout(timer);
  }
}
