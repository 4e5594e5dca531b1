import { equal } from "node:assert/strict";
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { ensureStream } from "../events/mod.ts";
import { commitBatch, decodeBatch, migrate } from "../projector/mod.ts";
import { publishEvents, silentLogger, testEvent, waitUntil } from "../testing/mod.ts";
import { createApp } from "./app.ts";
import { createSql } from "./db.ts";
import { pollCheckpoints } from "./replica_version.ts";
import { T0 } from "./_seed.ts";

Deno.test("on a read replica, cached answers follow the replica's checkpoints", async () => {
  const stack = await startTestStack({ postgresReplica: true });
  const primary = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  const replica = createSql(stack.databaseReadUrl!, { max: 2 });
  const pollSql = createSql(stack.databaseReadUrl!, { max: 1 });
  const nc = await connect({ servers: stack.natsUrl });
  const version = pollCheckpoints(pollSql, { intervalMs: 50 });
  let minute = 0;
  const commit = async (to: "running" | "idle") => {
    const event = testEvent("state_change", "m-1", T0 + ++minute * 60_000, { from: null, to });
    await commitBatch(primary, decodeBatch(await publishEvents(nc, [event])));
  };
  try {
    await migrate(primary);
    await ensureStream(await jetstreamManager(nc));
    const app = createApp({
      sql: replica,
      primarySql: primary,
      nats: nc,
      logger: silentLogger,
      readModelVersion: version,
      settings: { apiKeys: [] },
    });
    const state = async () => {
      const body = await (await app.request("/machines/m-1")).json();
      return body.state as string | undefined;
    };
    // given a commit replayed by the replica, seen by the poll, and its answer cached
    await waitUntil("a first poll", () => Promise.resolve(version.current() !== undefined));
    const before = version.current();
    await commit("running");
    await waitUntil("the poll to see the commit", () => {
      const now = version.current();
      return Promise.resolve(now !== undefined && now !== before);
    }, 30_000);
    equal(await state(), "running");
    // when the table changes on the primary without a commit of the checkpoints, and the replica
    // has replayed that too, then the cached answer still stands
    await primary`UPDATE machines SET state = 'stopped' WHERE machine_id = 'm-1'`;
    await waitUntil("the replica to replay the update", async () => {
      const [row] = await replica`SELECT state FROM machines WHERE machine_id = 'm-1'`;
      return row?.state === "stopped";
    }, 30_000);
    equal(await state(), "running");
    // and once a commit reaches the replica, the answer follows it
    await commit("idle");
    await waitUntil("the commit through the API", async () => (await state()) === "idle", 30_000);
  } finally {
    await version.stop();
    await nc.close();
    await Promise.all([primary.end(), replica.end(), pollSql.end()]);
    await stack.stop();
  }
});
