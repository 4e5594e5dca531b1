/** Runs a JetStream cluster of `nats-server` processes on loopback, one data folder per node. */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type NatsServer, type NatsServerOptions, startNatsServer } from "./nats_server.ts";
import { waitUntil } from "./ports.ts";

/** The name every node of the local cluster shares. */
export const CLUSTER_NAME = "signals";

/** A running cluster. */
export interface NatsCluster {
  /** Every node's client URL, comma-separated: the `NATS_URL` of the services. */
  url: string;
  /** The nodes in order; an entry is replaced when that node is restarted. */
  nodes: NatsServer[];
  /** Kills node `index` at once (SIGKILL), as a crash would. */
  kill(index: number): Promise<void>;
  /** Starts node `index` again on its ports and data, after a kill or stop. */
  restart(index: number): Promise<void>;
  /** Stops every node gracefully; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startNatsCluster}. */
export interface NatsClusterOptions {
  /** Parent of the nodes' data folders `nats-1`, `nats-2`, …. */
  dataDir: string;
  /** Client ports on 127.0.0.1, one per node. */
  ports: number[];
  /** Route (cluster) ports on 127.0.0.1, one per node. */
  routePorts: number[];
  /** How long to wait for the cluster to serve JetStream. @default 60000 */
  readyTimeoutMs?: number;
}

/** Starts one node per port, all routed to each other, and waits until JetStream answers. */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const { ports, routePorts } = options;
  if (ports.length !== routePorts.length || ports.length < 1) {
    throw new Error("A cluster needs as many route ports as client ports, at least one");
  }
  const nodeOptions = ports.map((port, i): NatsServerOptions => ({
    dataDir: `${options.dataDir}/nats-${i + 1}`,
    port,
    cluster: {
      name: CLUSTER_NAME,
      serverName: `n${i + 1}`,
      routePort: routePorts[i]!,
      peerRoutePorts: routePorts.filter((_, j) => j !== i),
    },
  }));
  const started = await Promise.allSettled(nodeOptions.map((o) => startNatsServer(o)));
  const nodes = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  const url = nodes.map((n) => n.url).join(",");
  let stopped = false;
  const cluster: NatsCluster = {
    url,
    nodes,
    async kill(index) {
      await nodeAt(cluster, index).kill();
    },
    async restart(index) {
      await nodeAt(cluster, index).stop();
      cluster.nodes[index] = await startNatsServer(nodeOptions[index]!);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled(cluster.nodes.map((n) => n.stop()));
    },
  };
  try {
    await waitForJetStream(url, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

function nodeAt(cluster: NatsCluster, index: number): NatsServer {
  const node = cluster.nodes[index];
  if (!node) throw new Error(`No node ${index}: the cluster has ${cluster.nodes.length}`);
  return node;
}

/** Waits until the cluster has elected its JetStream meta leader, so the API answers. */
export async function waitForJetStream(url: string, timeoutMs: number): Promise<void> {
  const nc = await connect({ servers: url.split(","), waitOnFirstConnect: true });
  try {
    await waitUntil("the JetStream cluster's meta leader", async () => {
      try {
        // Creating the manager asks for the account info, which fails until there is a leader.
        await jetstreamManager(nc, { timeout: 2000 });
        return true;
      } catch {
        return false;
      }
    }, timeoutMs);
  } finally {
    await nc.close();
  }
}
