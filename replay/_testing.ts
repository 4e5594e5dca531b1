/** Test fixtures of replay on top of `testing/`: signed workloads with poison, live projection. */
import type { Sql } from "postgres";
import type { NatsConnection } from "@nats-io/nats-core";
import type { SignalEvent } from "../events/mod.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import { commitBatch } from "../projector/store/commit_batch.ts";
import { applyBatch, emptyViews, type MemoryViews } from "../projector/projections/views.ts";
import { publishEvents, readStream, spawnService, withPoison } from "../testing/mod.ts";
import { StreamReader } from "./stream_reader.ts";

/** The key every test event is signed with. */
export const TEST_KEY = "replay-test-key";

/** Publishes events signed with {@linkcode TEST_KEY}, with poison after every `poisonEvery`-th. */
export async function publish(
  nc: NatsConnection,
  events: readonly SignalEvent[],
  options: { poisonEvery?: number } = {},
): Promise<number> {
  const items = options.poisonEvery ? withPoison(events, options.poisonEvery) : events;
  return (await publishEvents(nc, items, { signingKey: TEST_KEY })).length;
}

/** Projects the whole stream into `public` in batches of `batch`, as the live projector would. */
export async function projectLive(
  sql: Sql,
  nc: NatsConnection,
  options: { batch?: number } = {},
): Promise<void> {
  const reader = await StreamReader.open(nc);
  while (reader.pending > 0) {
    const messages = await reader.read(options.batch ?? 500);
    await commitBatch(sql, decodeBatch(messages, { signingKey: TEST_KEY }));
  }
  await reader.close();
}

/** One clean projection of the whole stream, in memory: what every rebuild must equal. */
export async function cleanViews(nc: NatsConnection): Promise<MemoryViews> {
  const views = emptyViews();
  applyBatch(views, decodeBatch(await readStream(nc), { signingKey: TEST_KEY }));
  return views;
}

/** Runs the replay CLI against a stack, as a child process. */
export function spawnReplay(env: { natsUrl: string; databaseUrl: string }, args: string[]) {
  return spawnService("replay/main.ts", {
    permissions: "projector",
    args,
    env: {
      NATS_URL: env.natsUrl,
      DATABASE_URL: env.databaseUrl,
      SIGNING_KEY: TEST_KEY,
      REPLAY_BATCH_SIZE: "100",
      LOG_LEVEL: "warn",
    },
  });
}

/** The checkpoint of the running rebuild tagged `tag` (a projection or "all"), 0 without one. */
export async function shadowProgress(sql: Sql, tag: string): Promise<number> {
  const [schema] = await sql<{ nspname: string }[]>`
    SELECT nspname FROM pg_namespace WHERE nspname LIKE ${`rebuild_${tag}_%`}`;
  if (!schema) return 0;
  const rows = await sql<{ seq: string }[]>`
    SELECT coalesce(max(last_seq), 0) AS seq FROM ${
    sql(`${schema.nspname}.projection_checkpoints`)
  }`
    .catch(() => [{ seq: "0" }]);
  return Number(rows[0]?.seq ?? 0);
}
