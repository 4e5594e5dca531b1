import { deepEqual, equal } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { ensureStream, STREAM_NAME } from "./stream.ts";

Deno.test("ensureStream creates SIGNALS once and is safe to call again", async () => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await Promise.all([ensureStream(jsm), ensureStream(jsm)]);
    await ensureStream(jsm, { maxAgeMs: 86_400_000 });
    await ensureStream(jsm);
    const { config } = await jsm.streams.info(STREAM_NAME);
    deepEqual(config.subjects, ["signals.>"]);
    equal(config.deny_delete, true);
    equal(config.deny_purge, true);
    equal(config.allow_direct, true);
    equal(config.duplicate_window, 120_000_000_000);
    equal(config.max_age, 86_400_000_000_000, "a call without retention keeps the one set");
    deepEqual(await jsm.streams.names().next(), [STREAM_NAME]);
  } finally {
    await nc.close();
    await stack.stop();
  }
});
