/** Helpers of the scale-out tests. */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { STREAM_NAME } from "../events/mod.ts";
import { waitUntil } from "./ports.ts";

/** Waits until the stream has a leader and every copy is current. */
export async function waitForCurrentReplicas(
  nc: NatsConnection,
  replicas: number,
  timeoutMs = 60_000,
): Promise<void> {
  await waitUntil(`${replicas} current copies of the stream`, async () => {
    try {
      // Made anew each time: it asks for the account info, which fails while the cluster's
      // meta leader is being elected again after a node died.
      const jsm = await jetstreamManager(nc, { timeout: 5_000 });
      const { cluster } = await jsm.streams.info(STREAM_NAME);
      const current = cluster?.replicas?.filter((r) => r.current).length ?? 0;
      return Boolean(cluster?.leader) && current === replicas - 1;
    } catch {
      return false;
    }
  }, timeoutMs);
}
