/** Runs a local PostgreSQL cluster with `pg_ctl`, as the `postgres` user when we are root. */
import postgres from "postgres";
import { postgresBinDir } from "./binaries.ts";
import { isListening, waitUntil } from "./ports.ts";
import { DEFAULT_POSTGRES_PORT } from "../lib/config.ts";

/** The database the services use. */
export const DATABASE_NAME = "signals";

/** A running PostgreSQL server. */
export interface PostgresServer {
  /** URL of the `signals` database. */
  url: string;
  port: number;
  /** Fast shutdown: rolls back open transactions and waits for the server to exit. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startPostgresServer}. */
export interface PostgresServerOptions {
  /** The cluster's data directory; created with initdb when empty. */
  dataDir: string;
  /** Port on 127.0.0.1. @default 5432 */
  port?: number;
  /** Trade durability for speed, for throwaway test clusters. @default false */
  unsafeFast?: boolean;
}

const isRoot = Deno.uid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root; throws with its stderr. */
export async function runAsPostgres(binary: string, args: string[]): Promise<void> {
  const command = isRoot ? "runuser" : binary;
  const fullArgs = isRoot ? ["-u", "postgres", "--", binary, ...args] : args;
  const output = await new Deno.Command(command, { args: fullArgs, stdin: "null" }).output();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`${binary} ${args[0]} failed: ${stderr}`);
  }
}

/** Whether `dataDir` holds a cluster already (a second run keeps its data). */
export async function hasCluster(dataDir: string): Promise<boolean> {
  try {
    await Deno.stat(`${dataDir}/PG_VERSION`);
    return true;
  } catch {
    return false;
  }
}

/** Creates `dataDir` empty with mode 0700, owned by the user PostgreSQL runs as. */
export async function makeClusterDir(dataDir: string): Promise<void> {
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  // PostgreSQL refuses a data directory others can read; mkdir keeps an existing one's mode.
  await Deno.chmod(dataDir, 0o700);
  if (isRoot) {
    const { uid, gid } = await postgresUser();
    await Deno.chown(dataDir, uid, gid);
  }
}

async function initCluster(bin: string, dataDir: string): Promise<void> {
  if (await hasCluster(dataDir)) return;
  await makeClusterDir(dataDir);
  await runAsPostgres(`${bin}/initdb`, [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
  ]);
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const passwd = await Deno.readTextFile("/etc/passwd");
  const line = passwd.split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) {
    throw new Error("User 'postgres' not found: install it with 'apt-get install postgresql'");
  }
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

async function createDatabase(port: number): Promise<void> {
  const sql = postgres({
    host: "127.0.0.1",
    port,
    user: "postgres",
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE_NAME}`;
    if (rows.length === 0) await sql.unsafe(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await sql.end();
  }
}

/** Initialises the cluster if needed, starts it on loopback and creates the `signals` database. */
export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const port = options.port ?? DEFAULT_POSTGRES_PORT;
  await refuseBusyPort(port, "DATABASE_URL");
  const dataDir = await Deno.realPath(await ensureDir(options.dataDir));
  await initCluster(postgresBinDir(), dataDir);
  const server = await runCluster(dataDir, { port, unsafeFast: options.unsafeFast });
  await createDatabase(port);
  return server;
}

/** Throws when something listens on `port` already, naming the variable that avoids it. */
export async function refuseBusyPort(port: number, variable: string): Promise<void> {
  if (await isListening(port)) {
    throw new Error(`Port ${port} is already in use: set ${variable} to use that server instead`);
  }
}

/** Starts the initialised cluster in `dataDir` on loopback with `pg_ctl` and waits for it. */
export async function runCluster(
  dataDir: string,
  options: { port: number; unsafeFast?: boolean },
): Promise<PostgresServer> {
  const { port } = options;
  const bin = postgresBinDir();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    "-c unix_socket_directories=''",
    "-c max_connections=200",
    ...(options.unsafeFast
      ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
      : []),
  ];
  await runAsPostgres(`${bin}/pg_ctl`, [
    "start",
    "-w",
    "-t",
    "60",
    "-D",
    dataDir,
    "-l",
    `${dataDir}/server.log`,
    "-o",
    settings.join(" "),
  ]);
  await waitUntil(`PostgreSQL on port ${port}`, () => isListening(port));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE_NAME}`,
    port,
    stop: () => runAsPostgres(`${bin}/pg_ctl`, ["stop", "-w", "-m", "fast", "-D", dataDir]),
  };
}

/** Creates `path` if missing and returns it. */
export async function ensureDir(path: string): Promise<string> {
  await Deno.mkdir(path, { recursive: true });
  return path;
}
