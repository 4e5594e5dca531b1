import { deepEqual, equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { ensureStream, type SignalEvent, STREAM_NAME } from "../events/mod.ts";
import { createLogger } from "../lib/mod.ts";
import { runProducer } from "../producer/run.ts";
import { ProducerStats } from "../producer/stats.ts";
import { waitForCheckpoint } from "../projector/_test_stack.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import { migrate } from "../projector/migrate.ts";
import { applyBatch, emptyViews } from "../projector/projections/views.ts";
import { readViews } from "../projector/store/read_views.ts";
import { readStream, spawnService } from "../testing/mod.ts";
import { waitForCurrentReplicas } from "./_cluster_testing.ts";
import { waitUntil } from "./ports.ts";
import { startTestStack } from "./stack.ts";
import { sleep } from "../lib/mod.ts";

const MACHINES = 300;
const DOWN_MS = 20_000;

/** Counts acks like the producer does, and remembers which events were acknowledged and when. */
class WatchedStats extends ProducerStats {
  readonly acked = new Set<string>();
  lastAckAt = 0;
  longestPauseMs = 0;
  watching = false;
  override recordAck(event: SignalEvent, duplicate: boolean): void {
    super.recordAck(event, duplicate);
    this.acked.add(event.id);
    const now = performance.now();
    if (this.watching && this.lastAckAt) {
      this.longestPauseMs = Math.max(this.longestPauseMs, now - this.lastAckAt);
    }
    this.lastAckAt = now;
  }
}

Deno.test({
  name:
    "a NATS node killed under a live producer of 300 machines loses nothing, stores nothing twice, and the read models equal the stream",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startTestStack({ natsCluster: true });
    const cluster = stack.natsCluster!;
    const nc = await connect({ servers: stack.natsUrl.split(","), maxReconnectAttempts: -1 });
    const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
    const stop = new AbortController();
    const stats = new WatchedStats();
    let producing: Promise<unknown> | undefined;
    const projector = spawnService("projector/main.ts", {
      permissions: "projector",
      env: {
        NATS_URL: stack.natsUrl,
        DATABASE_URL: stack.databaseUrl,
        STREAM_REPLICAS: "3",
        LOG_LEVEL: "warn",
      },
    });
    try {
      // given the stream at R3 with all copies current, a projector and a live producer
      await migrate(sql);
      const jsm = await jetstreamManager(nc, { timeout: 15_000 });
      await ensureStream(jsm, undefined, { replicas: 3 });
      await waitForCurrentReplicas(nc, 3);
      // The victim holds a copy but does not lead the stream: killing the leader costs NATS 2.9's
      // Raft election timeout (4–9 s) on top, which bench/scale_out.ts measures. The producer is
      // connected to the victim alone, the worst case for it: it must fail over to a node it
      // learnt from the cluster.
      const { cluster: placement } = await jsm.streams.info(STREAM_NAME);
      const follower = placement!.replicas![0]!.name;
      const victim = Number(follower.replace(/^n/, "")) - 1;
      producing = runProducer(cluster.nodes[victim]!.url, {
        machines: MACHINES,
        seed: 14,
        // One power event a second per machine keeps the rate within a shared 2-core machine.
        powerBatchMs: 1000,
        xrayDevices: 0,
        publishTimeoutMs: 2000,
      }, { signal: stop.signal, stats, logger: createLogger("producer", "error") });
      await waitUntil(
        "a steady flow of acks",
        () => Promise.resolve(stats.published > 2000),
        60_000,
      );
      stats.watching = true;

      // when that node is killed and comes back 20 s later
      const ackedBeforeKill = stats.published;
      await cluster.kill(victim);
      await waitUntil("acks after the kill", () => {
        return Promise.resolve(stats.published > ackedBeforeKill + 1000);
      }, 30_000);
      await sleep(DOWN_MS);
      await cluster.restart(victim);
      await waitForCurrentReplicas(nc, 3);
      const ackedAfterRestart = stats.published;
      await waitUntil("acks after the restart", () => {
        return Promise.resolve(stats.published > ackedAfterRestart + 1000);
      }, 30_000);
      stop.abort();
      const counts = await producing;
      producing = undefined;

      // then every acknowledged event is in the stream exactly once
      equal(stats.unacked, 0, JSON.stringify(counts));
      const stored = await readStream(nc);
      const ids = stored.map((m) => m.headers["Nats-Msg-Id"]!);
      equal(new Set(ids).size, ids.length, "no event is stored twice");
      const inStream = new Set(ids);
      const missing = [...stats.acked].filter((id) => !inStream.has(id));
      deepEqual(missing, [], "no acknowledged event is missing");
      equal(stored.length, stats.acked.size, "the stream holds exactly the acknowledged events");
      // and the read models equal one clean projection of the stream, once caught up
      await waitForCheckpoint(sql, stored.at(-1)!.seq, 120_000);
      const expected = emptyViews();
      applyBatch(expected, decodeBatch(stored));
      deepEqual(await readViews(sql), expected);
      // and the producer never stalled for 5 s or more
      console.log(
        `node ${follower} killed: ${stored.length} events, longest pause between acks ` +
          `${Math.round(stats.longestPauseMs)} ms, ${stats.retries} retries`,
      );
      ok(stats.longestPauseMs < 5000, `publishing paused ${stats.longestPauseMs} ms`);
    } finally {
      stop.abort();
      await producing?.catch(() => {});
      const code = await projector.stop("SIGTERM");
      await nc.close();
      await sql.end();
      await stack.stop();
      equal(code, 0, projector.output());
    }
  },
});
