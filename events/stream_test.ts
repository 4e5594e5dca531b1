import { deepEqual, equal, rejects } from "node:assert/strict";
import { JetStreamApiError, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { isJetStreamApiError, JetStreamCodes } from "./jetstream_errors.ts";
import { ensureStream, STREAM_NAME, streamConfig } from "./stream.ts";

Deno.test("ensureStream creates SIGNALS once and is safe to call again", async (t) => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await t.step("a missing stream is reported by its API error code", async () => {
      await rejects(
        jsm.streams.info(STREAM_NAME),
        (error) => isJetStreamApiError(error, JetStreamCodes.StreamNotFound),
      );
    });
    await t.step("created once, retention kept by a call without it", async () => {
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
    });
    await t.step("creating it again with other settings is refused with its code", async () => {
      await rejects(
        jsm.streams.add(streamConfig({ maxAgeMs: 3_600_000 })),
        (error) => isJetStreamApiError(error, JetStreamCodes.StreamNameInUse),
      );
    });
  } finally {
    await nc.close();
    await stack.stop();
  }
});

/** A stream manager whose lookup and create answer as given, counting the calls. */
function scriptedManager(info: () => Promise<unknown>, add: () => Promise<unknown>) {
  const calls = { add: 0, update: 0 };
  const jsm = {
    streams: {
      info,
      add: () => (calls.add++, add()),
      update: () => (calls.update++, Promise.resolve()),
    },
  } as unknown as JetStreamManager;
  return { jsm, calls };
}

const apiError = (code: number, description: string) =>
  new JetStreamApiError({ code: 400, err_code: code, description });

Deno.test("a stream another service created between lookup and create is updated", async () => {
  // given a lookup that finds no stream and a create that finds one (another service was faster)
  let lookups = 0;
  const { jsm, calls } = scriptedManager(
    () =>
      lookups++ === 0
        ? Promise.reject(apiError(JetStreamCodes.StreamNotFound, "stream not found"))
        : Promise.resolve({ config: { ...streamConfig(), num_replicas: 1 } }),
    () => Promise.reject(apiError(JetStreamCodes.StreamNameInUse, "stream name already in use")),
  );
  // when it is ensured with retention, then the existing stream is brought up to date
  await ensureStream(jsm, { maxAgeMs: 1000 });
  deepEqual(calls, { add: 1, update: 1 });
});

Deno.test("ensureStream does not take any failure for a missing stream", async () => {
  // given a lookup that fails for another reason (here: a timeout)
  const timeout = new Error("TimeoutError: timeout");
  const { jsm, calls } = scriptedManager(() => Promise.reject(timeout), () => Promise.resolve());
  // when the stream is ensured, then the failure is thrown and nothing is created
  await rejects(ensureStream(jsm), (error) => error === timeout);
  equal(calls.add, 0);
});
