import { equal, match, ok, rejects } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { waitUntil } from "../dev/ports.ts";
import { ensureStream, STREAM_NAME, StreamReplicasError } from "./stream.ts";

function recordingLogger() {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }),
  };
}

Deno.test("more than one stream replica on a single server is a clear configuration error", async () => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await rejects(ensureStream(jsm, undefined, { replicas: 2 }), (error) => {
      ok(error instanceof StreamReplicasError, String(error));
      equal(error.variable, "STREAM_REPLICAS");
      match(error.message, /STREAM_REPLICAS=2/);
      match(error.message, /cluster of at least 2 servers/);
      match(error.message, /not supported in non-clustered mode/);
      return true;
    });
    // and the default still creates it with one copy
    await ensureStream(jsm);
    equal((await jsm.streams.info(STREAM_NAME)).config.num_replicas, 1);
    // and an existing stream cannot be raised there either
    await rejects(ensureStream(jsm, { maxAgeMs: 0 }, { replicas: 3 }), StreamReplicasError);
  } finally {
    await nc.close();
    await stack.stop();
  }
});

Deno.test("ensureStream raises the replicas of an existing stream in a cluster, never lowers them", async () => {
  const stack = await startTestStack({ natsCluster: true });
  const nc = await connect({ servers: stack.natsUrl.split(",") });
  try {
    // A stream moving its leader after a change answers late on a busy machine.
    const jsm = await jetstreamManager(nc, { timeout: 20_000 });
    const logger = recordingLogger();
    // given a stream created with one copy
    await ensureStream(jsm, undefined, { logger });
    equal((await jsm.streams.info(STREAM_NAME)).config.num_replicas, 1);
    equal(logger.lines.length, 0, "creating is not a raise");
    // when a service asks for three
    await ensureStream(jsm, undefined, { replicas: 3, logger });
    // then the stream has three, and the log says so
    const info = await jsm.streams.info(STREAM_NAME);
    equal(info.config.num_replicas, 3);
    equal(logger.lines.length, 1);
    equal(logger.lines[0]!.msg, "raised the replicas of the stream");
    equal(logger.lines[0]!.fields?.from, 1);
    equal(logger.lines[0]!.fields?.to, 3);
    // (once the new copies have caught up with the leader)
    // (a busy cluster may answer late or not at all while the copies are placed: ask again)
    await waitUntil("three current copies", async () => {
      const info = await jsm.streams.info(STREAM_NAME).catch(() => undefined);
      const cluster = info?.cluster;
      return Boolean(cluster?.leader) && cluster?.replicas?.filter((r) => r.current).length === 2;
    }, 60_000);
    // and a service with the default (or retention settings) keeps the three
    await ensureStream(jsm, undefined, { logger });
    await ensureStream(jsm, { maxAgeMs: 86_400_000 }, { logger });
    const after = await jsm.streams.info(STREAM_NAME);
    equal(after.config.num_replicas, 3);
    equal(after.config.max_age, 86_400_000_000_000);
    equal(logger.lines.length, 1);
    // and more copies than servers is refused with an explanation, not silently capped
    await rejects(ensureStream(jsm, undefined, { replicas: 5 }), /needs 5 servers/);
  } finally {
    await nc.close();
    await stack.stop();
  }
});
