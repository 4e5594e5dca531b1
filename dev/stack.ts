/** The local stack: nats-server and PostgreSQL, started from local binaries or taken from the env. */
import { type NatsServer, startNatsServer } from "./nats_server.ts";
import { type PostgresServer, startPostgresServer } from "./postgres_server.ts";
import { freePort } from "./ports.ts";
import { DEFAULT_DATA_DIR } from "../lib/config.ts";

/** NATS and PostgreSQL, ready to use. */
export interface Stack {
  natsUrl: string;
  databaseUrl: string;
  /** The nats-server this stack started, if any; tests restart it to simulate outages. */
  nats?: NatsServer;
  /** The PostgreSQL server this stack started, if any. */
  postgres?: PostgresServer;
  /** Restarts the nats-server on the same port and data; for outage tests. */
  restartNats(options?: { kill?: boolean }): Promise<void>;
  /** Stops PostgreSQL, runs `during`, then starts it again on the same port and data. */
  withPostgresDown<T>(during: () => Promise<T>): Promise<T>;
  /** Stops everything this stack started; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startStack}. */
export interface StackOptions {
  /** Where nats and postgres keep their data. @default ".data" */
  dataDir?: string;
  /** Use this NATS instead of starting one (from `dev/config.ts`). @default undefined */
  natsUrl?: string;
  /** Use this database instead of starting one (from `dev/config.ts`). @default undefined */
  databaseUrl?: string;
  /** nats-server port. @default 4222 */
  natsPort?: number;
  /** PostgreSQL port. @default 5432 */
  postgresPort?: number;
  /** Throwaway test data: PostgreSQL skips fsync. @default false */
  unsafeFast?: boolean;
  /** Remove `dataDir` on stop. @default false */
  removeOnStop?: boolean;
}

/** Starts whichever of nats-server and PostgreSQL is not given by URL, and waits for both. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const { natsUrl, databaseUrl } = options;
  const natsOptions = { dataDir: `${dataDir}/nats`, port: options.natsPort };
  const pgOptions = {
    dataDir: `${dataDir}/postgres`,
    port: options.postgresPort,
    unsafeFast: options.unsafeFast,
  };
  let nats: NatsServer | undefined;
  let pg: PostgresServer | undefined;
  try {
    [nats, pg] = await Promise.all([
      natsUrl ? undefined : startNatsServer(natsOptions),
      databaseUrl ? undefined : startPostgresServer(pgOptions),
    ]);
  } catch (error) {
    await Promise.allSettled([nats?.stop(), pg?.stop()]);
    throw error;
  }
  let stopped = false;
  const stack: Stack = {
    natsUrl: natsUrl || nats!.url,
    databaseUrl: databaseUrl || pg!.url,
    nats,
    postgres: pg,
    async restartNats({ kill = false } = {}) {
      if (!stack.nats) throw new Error("This stack did not start nats-server");
      await (kill ? stack.nats.kill() : stack.nats.stop());
      stack.nats = await startNatsServer({ ...natsOptions, port: stack.nats.port });
    },
    async withPostgresDown(during) {
      if (!stack.postgres) throw new Error("This stack did not start PostgreSQL");
      await stack.postgres.stop();
      try {
        return await during();
      } finally {
        stack.postgres = await startPostgresServer({ ...pgOptions, port: stack.postgres.port });
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([stack.nats?.stop(), stack.postgres?.stop()]);
      if (options.removeOnStop) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
  return stack;
}

/** A fresh stack in a temporary directory on free ports, removed on stop; for tests. */
export async function startTestStack(): Promise<Stack> {
  const dataDir = await Deno.makeTempDir({ prefix: "signals-test-" });
  // PostgreSQL runs as another user when we are root, and must reach its directory.
  await Deno.chmod(dataDir, 0o755);
  return await startStack({
    dataDir,
    natsUrl: "",
    databaseUrl: "",
    natsPort: freePort(),
    postgresPort: freePort(),
    unsafeFast: true,
    removeOnStop: true,
  });
}
