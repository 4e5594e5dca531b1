/**
 * Runs a hot-standby PostgreSQL replica of a local primary: PostgreSQL's own streaming
 * replication, seeded once with `pg_basebackup -R` and kept from then on in its data folder.
 */
import postgres from "postgres";
import { postgresBinDir } from "./binaries.ts";
import {
  ensureDir,
  hasCluster,
  makeClusterDir,
  type PostgresServer,
  refuseBusyPort,
  runAsPostgres,
  runCluster,
} from "./postgres_server.ts";

/** The physical replication slot the primary keeps for the replica, so no WAL it needs is lost. */
export const REPLICA_SLOT = "signals_replica";

/** Options of {@linkcode startPostgresReplica}. */
export interface PostgresReplicaOptions {
  /** The replica's data directory; seeded from the primary when empty. */
  dataDir: string;
  /** The primary's port on 127.0.0.1. */
  primaryPort: number;
  /** The replica's port on 127.0.0.1. */
  port: number;
  /** Trade durability for speed, for throwaway test clusters. @default false */
  unsafeFast?: boolean;
}

/**
 * Seeds the replica from the primary if its folder is empty, starts it on loopback as a hot
 * standby (read-only queries while it replays the primary's WAL) and waits until it serves reads.
 */
export async function startPostgresReplica(
  options: PostgresReplicaOptions,
): Promise<PostgresServer> {
  await refuseBusyPort(options.port, "DATABASE_READ_URL");
  const dataDir = await Deno.realPath(await ensureDir(options.dataDir));
  if (!(await hasCluster(dataDir))) await seed(dataDir, options.primaryPort);
  const server = await runCluster(dataDir, options);
  return server;
}

async function seed(dataDir: string, primaryPort: number): Promise<void> {
  await makeClusterDir(dataDir);
  await recreateSlot(primaryPort);
  // -R writes standby.signal and primary_conninfo (with the slot), so the copy starts as a standby.
  await runAsPostgres(`${postgresBinDir()}/pg_basebackup`, [
    ...["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "postgres"],
    ...["-D", dataDir, "-R", "-X", "stream", "-S", REPLICA_SLOT, "-c", "fast"],
  ]);
}

/** A fresh slot: one left by an earlier replica would hold WAL the new copy does not need. */
async function recreateSlot(primaryPort: number): Promise<void> {
  const sql = postgres({
    host: "127.0.0.1",
    port: primaryPort,
    user: "postgres",
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    await sql`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
              WHERE slot_name = ${REPLICA_SLOT} AND NOT active`;
    await sql`SELECT pg_create_physical_replication_slot(${REPLICA_SLOT})`;
  } finally {
    await sql.end();
  }
}
