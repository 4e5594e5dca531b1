/** Test fixtures of replay: a migrated real stack, a mixed workload with poison, live projection. */
import postgres, { type Sql } from "postgres";
import { connect } from "@nats-io/transport-node";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { encodeEvent, ensureStream, type SignalEvent } from "../events/mod.ts";
import { type Stack, startTestStack } from "../dev/stack.ts";
import { generateEvents } from "../producer/mod.ts";
import type { Logger } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { decodeBatch } from "../projector/decode_batch.ts";
import { commitBatch } from "../projector/store/commit_batch.ts";
import { applyBatch, emptyViews, type MemoryViews } from "../projector/projections/views.ts";
import type { RawMessage } from "../projector/types.ts";
import { StreamReader } from "./stream_reader.ts";

/** The key every test event is signed with. */
export const TEST_KEY = "replay-test-key";

/** A silent logger. */
export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A real NATS and PostgreSQL, migrated, with the stream created. */
export interface ReplayEnv {
  stack: Stack;
  sql: Sql;
  nats: NatsConnection;
  close(): Promise<void>;
}

/** Starts a fresh stack; always `close()` it in `finally`. */
export async function startReplayEnv(): Promise<ReplayEnv> {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 6, onnotice: () => {} });
  let nats: NatsConnection | undefined;
  try {
    await migrate(sql);
    nats = await connect({ servers: stack.natsUrl });
    await ensureStream(await jetstreamManager(nats));
  } catch (error) {
    await nats?.close();
    await sql.end();
    await stack.stop();
    throw error;
  }
  return {
    stack,
    sql,
    nats,
    async close() {
      await nats!.close();
      await sql.end();
      await stack.stop();
    },
  };
}

/** Events of a small fleet over `seconds` of simulated time from `fromMs`. */
export function fleetEvents(options: { fromMs: number; seconds: number; seed?: number }) {
  return [...generateEvents(
    { seed: options.seed ?? 7, machines: 3, xrayDevices: 1, sensors: 3, xrayMaxPoints: 20 },
    { fromMs: options.fromMs, toMs: options.fromMs + options.seconds * 1000 },
  )];
}

const encoder = new TextEncoder();

/** Poison messages: bad JSON, a schema violation, and a wrongly signed event. */
export function poison(
  n: number,
): { subject: string; bytes: Uint8Array; headers: Record<string, string> }[] {
  return [
    { subject: "signals.power.m-001", bytes: encoder.encode(`{not json ${n}`), headers: {} },
    {
      subject: "signals.error.m-002",
      bytes: encoder.encode(`{"type":"error","v":1,"id":"x-${n}"}`),
      headers: {},
    },
    {
      subject: "signals.state_change.m-003",
      bytes: encoder.encode(`{"n":${n}}`),
      headers: { "Signal-Signature": "00".repeat(32) },
    },
  ];
}

/** Publishes events signed with {@linkcode TEST_KEY}, and poison every `poisonEvery` events. */
export async function publish(
  nc: NatsConnection,
  events: readonly SignalEvent[],
  options: { poisonEvery?: number; window?: number } = {},
): Promise<number> {
  const js = jetstream(nc);
  const inFlight = new Set<Promise<unknown>>();
  let published = 0;
  const send = async (
    message: { subject: string; bytes: Uint8Array; headers: Record<string, string> },
  ) => {
    const h = natsHeaders();
    for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
    const ack = js.publish(message.subject, message.bytes, { headers: h, timeout: 30_000 });
    const tracked = ack.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    published++;
    if (inFlight.size >= (options.window ?? 512)) await Promise.race(inFlight);
  };
  for (let i = 0; i < events.length; i++) {
    await send(encodeEvent(events[i]!, { signingKey: TEST_KEY }));
    if (options.poisonEvery && i % options.poisonEvery === options.poisonEvery - 1) {
      for (const p of poison(i)) await send(p);
    }
  }
  await Promise.all(inFlight);
  return published;
}

/** Every message of the stream. */
export async function readAll(nc: NatsConnection): Promise<RawMessage[]> {
  const reader = await StreamReader.open(nc);
  const out: RawMessage[] = [];
  while (reader.pending > 0) out.push(...await reader.read(8192));
  await reader.close();
  return out;
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
  applyBatch(views, decodeBatch(await readAll(nc), { signingKey: TEST_KEY }));
  return views;
}

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs the replay CLI against a stack, as a child process. */
export function spawnReplay(env: { natsUrl: string; databaseUrl: string }, args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=projector", "replay/main.ts", ...args],
    cwd: ROOT,
    env: {
      NATS_URL: env.natsUrl,
      DATABASE_URL: env.databaseUrl,
      SIGNING_KEY: TEST_KEY,
      REPLAY_BATCH_SIZE: "100",
      LOG_LEVEL: "warn",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
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
