import { deepEqual, equal, rejects } from "node:assert/strict";
import postgres from "postgres";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "./stack.ts";
import { isListening, waitUntil } from "./ports.ts";
import { migrate } from "../projector/migrate.ts";

Deno.test("test stack starts nats and postgres on free ports and removes everything on stop", async () => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const nc = await connect({ servers: stack.natsUrl });
    equal(nc.info?.jetstream, true);
    await nc.close();
    const [row] = await sql<{ db: string }[]>`SELECT current_database() AS db`;
    equal(row?.db, "signals");
    equal((await migrate(sql)).length > 0, true);
    deepEqual(await migrate(sql), [], "a second start applies nothing");
  } finally {
    await sql.end();
    await stack.stop();
  }
  equal(await isListening(stack.nats!.port), false);
  equal(await isListening(stack.postgres!.port), false);
});

Deno.test("cluster stack: three JetStream nodes and a hot standby that follows the primary", async () => {
  const stack = await startTestStack({ natsCluster: true, postgresReplica: true });
  const primary = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const replica = postgres(stack.databaseReadUrl!, { max: 1, onnotice: () => {} });
  try {
    equal(stack.natsCluster?.nodes.length, 3);
    equal(stack.natsUrl.split(",").length, 3);
    const nc = await connect({ servers: stack.natsUrl.split(",") });
    equal(nc.info?.jetstream, true);
    equal(nc.info?.cluster, "signals");
    await nc.close();
    // a row written on the primary shows up on the replica, which refuses writes
    await primary`CREATE TABLE probe (n int)`;
    await primary`INSERT INTO probe VALUES (42)`;
    const [standby] = await replica<{ r: boolean }[]>`SELECT pg_is_in_recovery() AS r`;
    equal(standby?.r, true);
    await waitUntil("the row on the replica", async () => {
      try {
        return (await replica`SELECT n FROM probe`).length === 1;
      } catch {
        return false; // the table itself may not have arrived yet
      }
    }, 20_000);
    await rejects(replica`INSERT INTO probe VALUES (1)`, /read-only transaction/);
  } finally {
    await primary.end();
    await replica.end();
    await stack.stop();
  }
  for (const node of stack.natsCluster!.nodes) equal(await isListening(node.port), false);
  equal(await isListening(stack.postgresReplica!.port), false);
});
