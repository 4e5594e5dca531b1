/**
 * Scale-out rows, on a three-node JetStream cluster of their own: the producer's publish rate into
 * the stream at R3 beside R1 on the same cluster, and how long a node's SIGKILL stops publishing
 * (the stream's leader, and a follower).
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { waitForCurrentReplicas } from "../dev/_cluster_testing.ts";
import { startTestStack } from "../dev/stack.ts";
import { ensureStream, STREAM_NAME } from "../events/mod.ts";
import { createLogger, sleep } from "../lib/mod.ts";
import { runProducer } from "../producer/mod.ts";
import type { BenchContext } from "./context.ts";
import type { BenchRow } from "./table.ts";

const FROM_MS = Date.UTC(2026, 10, 20);
const quiet = createLogger("bench", "error");
/** Kills of each kind: the row reports the slowest. */
const KILLS = 2;

/** Backfills `count` events of a 100-machine fleet into a fresh stream with `replicas` copies. */
async function publishInto(
  nc: NatsConnection,
  natsUrl: string,
  o: { replicas: number; count: number; seed: number },
): Promise<number> {
  const jsm = await jetstreamManager(nc, { timeout: 20_000 });
  await jsm.streams.delete(STREAM_NAME).catch(() => false);
  await ensureStream(jsm, undefined, { replicas: o.replicas });
  await waitForCurrentReplicas(nc, o.replicas);
  const counts = await runProducer(natsUrl, {
    machines: 100,
    sensorDataFile: null,
    fromMs: FROM_MS,
    toMs: FROM_MS + 86_400_000,
    seed: o.seed,
    count: o.count,
    streamReplicas: o.replicas,
  }, { logger: quiet });
  return counts.published / (counts.elapsedMs / 1000);
}

/** From a node's SIGKILL until a publish sent after it is acknowledged, in ms. */
async function killToNextAck(
  nc: NatsConnection,
  kill: () => Promise<void>,
): Promise<number> {
  const js = jetstream(nc);
  const killedAt = performance.now();
  await kill();
  for (let i = 0;; i++) {
    try {
      await js.publish(`signals.power.failover-${i}`, new Uint8Array(0), { timeout: 500 });
      return performance.now() - killedAt;
    } catch {
      await sleep(20);
    }
  }
}

/** The node index (0-based) of server `name` (n1, n2, n3). */
const nodeIndex = (name: string) => Number(name.replace(/^n/, "")) - 1;

/** Publish R3 vs R1, and node failover times (leader, follower). */
export async function scaleOutRows(context: BenchContext): Promise<BenchRow[]> {
  const stack = await startTestStack({ natsCluster: true });
  const cluster = stack.natsCluster!;
  const nc = await connect({ servers: stack.natsUrl.split(","), maxReconnectAttempts: -1 });
  try {
    const count = Math.min(context.sizes.publishEvents, 100_000);
    const r1 = await publishInto(nc, stack.natsUrl, { replicas: 1, count, seed: 31 });
    const r3 = await publishInto(nc, stack.natsUrl, { replicas: 3, count, seed: 32 });

    const times = { leader: [] as number[], follower: [] as number[] };
    for (let round = 0; round < KILLS; round++) {
      for (const role of ["leader", "follower"] as const) {
        await waitForCurrentReplicas(nc, 3);
        const jsm = await jetstreamManager(nc, { timeout: 20_000 });
        const { cluster: placement } = await jsm.streams.info(STREAM_NAME);
        const name = role === "leader" ? placement!.leader! : placement!.replicas![0]!.name;
        const index = nodeIndex(name);
        times[role].push(await killToNextAck(nc, () => cluster.kill(index)));
        await cluster.restart(index);
      }
    }
    const slowest = (list: number[]) => Math.max(...list);
    return [
      {
        id: "S1",
        what: `Publish into the stream at R3 (3-node cluster), ${
          count.toLocaleString("en-US")
        } events`,
        value: r3,
        unit: "events/s",
        basis: { kind: "event rate", count, of: "events" },
        baseline: r1,
        baselineWhat: "the same backfill into the stream at R1 on the same cluster",
        target: "reported",
        note: "each event is acknowledged once two of three nodes hold it",
      },
      {
        id: "S2a",
        what: "Failover: SIGKILL of the stream's leader → next acknowledged publish",
        value: slowest(times.leader),
        unit: "ms",
        basis: { kind: "failover", count: times.leader.length, of: "kills" },
        target: "reported",
        note: `slowest of ${times.leader.map(Math.round).join(", ")} ms: NATS 2.9's Raft ` +
          "election timeout (4–9 s) dominates",
      },
      {
        id: "S2b",
        what: "Failover: SIGKILL of a follower node → next acknowledged publish",
        value: slowest(times.follower),
        unit: "ms",
        basis: { kind: "failover", count: times.follower.length, of: "kills" },
        target: "reported",
        note: `slowest of ${times.follower.map(Math.round).join(", ")} ms`,
      },
    ];
  } finally {
    await nc.close();
    await stack.stop();
  }
}
