/** `deno task dev` in tests: a fresh DATA_DIR on free ports, and the runner as a child process. */
import { freePort } from "../dev/ports.ts";
import { type SpawnedService, spawnService } from "./process.ts";

/** Where a test's `deno task dev` keeps its data and listens. */
export interface DevRunEnv {
  /** DATA_DIR, PORT, NATS_PORT and POSTGRES_PORT for the runner. */
  env: Record<string, string>;
  dataDir: string;
  /** The API's base URL. */
  apiUrl: string;
  /** The API, NATS and PostgreSQL ports. */
  ports: number[];
  /** Removes the data directory. */
  remove(): Promise<void>;
}

/** A fresh temporary DATA_DIR and three free ports; `remove()` it in `finally`. */
export async function freshDevRunEnv(prefix = "signals-dev-"): Promise<DevRunEnv> {
  const dataDir = await Deno.makeTempDir({ prefix });
  // PostgreSQL runs as another user when we are root, and must reach its directory.
  await Deno.chmod(dataDir, 0o755);
  const ports = [freePort(), freePort(), freePort()];
  const [api, nats, postgres] = ports.map(String);
  return {
    env: { DATA_DIR: dataDir, PORT: api!, NATS_PORT: nats!, POSTGRES_PORT: postgres! },
    dataDir,
    apiUrl: `http://127.0.0.1:${api}`,
    ports,
    remove: () => Deno.remove(dataDir, { recursive: true }).catch(() => {}),
  };
}

/** Starts `deno task dev` with `env` and a small fleet, logging warnings only. */
export function startDevRun(env: Record<string, string>, machines = 3): SpawnedService {
  return spawnService("dev/main.ts", {
    permissions: "dev",
    env: { ...env, MACHINES: String(machines), LOG_LEVEL: "warn" },
  });
}
