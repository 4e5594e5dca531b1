/**
 * The local stack: nats-server (one, or a three-node JetStream cluster) and PostgreSQL (with an
 * optional hot-standby replica), started from local binaries or taken from the env.
 */
import { type NatsCluster, startNatsCluster } from "./nats_cluster.ts";
import { type NatsServer, startNatsServer } from "./nats_server.ts";
import { startPostgresReplica } from "./postgres_replica.ts";
import { type PostgresServer, startPostgresServer } from "./postgres_server.ts";
import { freePort } from "./ports.ts";
import { DEFAULT_DATA_DIR } from "../lib/config.ts";

/** How many nodes the local JetStream cluster has. */
export const CLUSTER_NODES = 3;

/** NATS and PostgreSQL, ready to use. */
export interface Stack {
  /** One server URL, or the cluster's URLs comma-separated. */
  natsUrl: string;
  databaseUrl: string;
  /** The replica's URL, when this stack started one. */
  databaseReadUrl?: string;
  /** The nats-server this stack started, if any (the first node of a cluster). */
  nats?: NatsServer;
  /** The JetStream cluster this stack started, if any. */
  natsCluster?: NatsCluster;
  /** The PostgreSQL server this stack started, if any. */
  postgres?: PostgresServer;
  /** The hot-standby replica this stack started, if any. */
  postgresReplica?: PostgresServer;
  /** Restarts the (single) nats-server on the same port and data; for outage tests. */
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
  /** nats-server port; a cluster's nodes take it, +1 and +2. @default 4222 */
  natsPort?: number;
  /** Start a three-node JetStream cluster instead of one server. @default false */
  natsCluster?: boolean;
  /** The cluster's route ports (a list of three), or the first of three in a row. @default 6222 */
  natsRoutePorts?: number | number[];
  /** The cluster's client ports, when they are not `natsPort`, +1, +2 (tests). */
  natsClusterPorts?: number[];
  /** PostgreSQL port. @default 5432 */
  postgresPort?: number;
  /** Start a hot-standby replica of PostgreSQL on this port (the primary's must be started). */
  replicaPort?: number;
  /** Throwaway test data: PostgreSQL skips fsync. @default false */
  unsafeFast?: boolean;
  /** Remove `dataDir` on stop. @default false */
  removeOnStop?: boolean;
}

function inARow(first: number): number[] {
  return Array.from({ length: CLUSTER_NODES }, (_, i) => first + i);
}

/** Starts whichever of nats-server and PostgreSQL is not given by URL, and waits for them. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const { natsUrl, databaseUrl } = options;
  const natsOptions = { dataDir: `${dataDir}/nats`, port: options.natsPort };
  const pgOptions = {
    dataDir: `${dataDir}/postgres`,
    port: options.postgresPort,
    unsafeFast: options.unsafeFast,
  };
  const routePorts = options.natsRoutePorts ?? 6222;
  const startNats = () =>
    options.natsCluster
      ? startNatsCluster({
        dataDir,
        ports: options.natsClusterPorts ?? inARow(options.natsPort ?? 4222),
        routePorts: Array.isArray(routePorts) ? routePorts : inARow(routePorts),
      })
      : startNatsServer(natsOptions);
  const startPostgres = async () => {
    const primary = await startPostgresServer(pgOptions);
    if (options.replicaPort === undefined) return { primary };
    try {
      const replica = await startPostgresReplica({
        dataDir: `${dataDir}/postgres-replica`,
        primaryPort: primary.port,
        port: options.replicaPort,
        unsafeFast: options.unsafeFast,
      });
      return { primary, replica };
    } catch (error) {
      await primary.stop();
      throw error;
    }
  };
  const [natsStarted, pgStarted] = await Promise.allSettled([
    natsUrl ? undefined : startNats(),
    databaseUrl ? undefined : startPostgres(),
  ]);
  const natsValue = natsStarted.status === "fulfilled" ? natsStarted.value : undefined;
  const pgValue = pgStarted.status === "fulfilled" ? pgStarted.value : undefined;
  if (natsStarted.status === "rejected" || pgStarted.status === "rejected") {
    await Promise.allSettled([natsValue?.stop(), pgValue?.replica?.stop()]);
    await pgValue?.primary.stop().catch(() => {});
    throw natsStarted.status === "rejected"
      ? natsStarted.reason
      : (pgStarted as PromiseRejectedResult).reason;
  }
  const natsCluster = natsValue && "nodes" in natsValue ? natsValue : undefined;
  let stopped = false;
  const stack: Stack = {
    natsUrl: natsUrl || natsValue!.url,
    databaseUrl: databaseUrl || pgValue!.primary.url,
    databaseReadUrl: pgValue?.replica?.url,
    nats: natsCluster ? natsCluster.nodes[0] : natsValue as NatsServer | undefined,
    natsCluster,
    postgres: pgValue?.primary,
    postgresReplica: pgValue?.replica,
    async restartNats({ kill = false } = {}) {
      if (!stack.nats || stack.natsCluster) {
        throw new Error("This stack did not start a single nats-server");
      }
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
      // The replica first: stopping the primary first leaves it retrying its WAL stream.
      await stack.postgresReplica?.stop().catch(() => {});
      await Promise.allSettled([
        stack.natsCluster ? stack.natsCluster.stop() : stack.nats?.stop(),
        stack.postgres?.stop(),
      ]);
      if (options.removeOnStop) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
  return stack;
}

/** Options of {@linkcode startTestStack}. */
export interface TestStackOptions {
  /** A three-node JetStream cluster instead of one server. @default false */
  natsCluster?: boolean;
  /** A hot-standby PostgreSQL replica too. @default false */
  postgresReplica?: boolean;
}

/** A fresh stack in a temporary directory on free ports, removed on stop; for tests. */
export async function startTestStack(options: TestStackOptions = {}): Promise<Stack> {
  const dataDir = await Deno.makeTempDir({ prefix: "signals-test-" });
  // PostgreSQL runs as another user when we are root, and must reach its directory.
  await Deno.chmod(dataDir, 0o755);
  const free = () => inARow(0).map(() => freePort());
  return await startStack({
    dataDir,
    natsUrl: "",
    databaseUrl: "",
    natsPort: freePort(),
    natsCluster: options.natsCluster,
    natsClusterPorts: options.natsCluster ? free() : undefined,
    natsRoutePorts: options.natsCluster ? free() : undefined,
    postgresPort: freePort(),
    replicaPort: options.postgresReplica ? freePort() : undefined,
    unsafeFast: true,
    removeOnStop: true,
  });
}
