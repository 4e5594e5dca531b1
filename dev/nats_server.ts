/** Runs a local `nats-server -js` as a child process. */
import { natsServerBinary } from "./binaries.ts";
import { isListening, waitUntil } from "./ports.ts";
import { DEFAULT_NATS_PORT } from "../lib/config.ts";

/** A running nats-server. */
export interface NatsServer {
  url: string;
  port: number;
  /** Stops the server gracefully and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server at once, as a crash would. */
  kill(): Promise<void>;
}

/** Options of {@linkcode startNatsServer}. */
export interface NatsServerOptions {
  /** JetStream storage directory. */
  dataDir: string;
  /** Client port on 127.0.0.1. @default 4222 */
  port?: number;
  /** Where the server's log goes. @default `${dataDir}/nats.log` */
  logFile?: string;
  /** Join a JetStream cluster on loopback. @default a server of its own */
  cluster?: ClusterMembership;
}

/** How one server joins a cluster on loopback. */
export interface ClusterMembership {
  /** The cluster's name, the same on every node. */
  name: string;
  /** This server's name, unique in the cluster and kept across restarts (JetStream's peer id). */
  serverName: string;
  /** This server's route port on 127.0.0.1. */
  routePort: number;
  /** The route ports of the other nodes. */
  peerRoutePorts: number[];
}

function clusterArgs(cluster?: ClusterMembership): string[] {
  if (!cluster) return [];
  const routes = cluster.peerRoutePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(",");
  return [
    "--server_name",
    cluster.serverName,
    "--cluster_name",
    cluster.name,
    "--cluster",
    `nats-route://127.0.0.1:${cluster.routePort}`,
    "--routes",
    routes,
  ];
}

/** Starts nats-server with JetStream on loopback and waits until it accepts clients. */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServer> {
  const port = options.port ?? DEFAULT_NATS_PORT;
  if (await isListening(port)) {
    throw new Error(`Port ${port} is already in use: set NATS_URL to use that server instead`);
  }
  const routePort = options.cluster?.routePort;
  if (routePort !== undefined && await isListening(routePort)) {
    throw new Error(`Route port ${routePort} is already in use: set NATS_CLUSTER_PORT`);
  }
  await Deno.mkdir(options.dataDir, { recursive: true });
  const logFile = options.logFile ?? `${options.dataDir}/nats.log`;
  const child = new Deno.Command(natsServerBinary(), {
    args: [
      ...["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", options.dataDir, "-l", logFile],
      ...clusterArgs(options.cluster),
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  await waitUntil(`nats-server on port ${port}`, async () => {
    if (exited) throw new Error(`nats-server exited at start-up; see ${logFile}`);
    return await isListening(port);
  });
  const stopWith = async (signal: Deno.Signal) => {
    if (!exited) child.kill(signal);
    await status;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
  };
}
