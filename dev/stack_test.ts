import { deepEqual, equal } from "node:assert/strict";
import postgres from "postgres";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "./stack.ts";
import { isListening } from "./ports.ts";
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
