import { deepEqual, equal, throws } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { startSeededEnv } from "./env.ts";
import { withPoison } from "./publish.ts";
import { decodeAll, readStream, streamCount } from "./stream.ts";
import { workload } from "./workload.ts";

const KEY = "kit-test-key";

Deno.test("a seeded environment holds the published workload, as stored", async (t) => {
  const events = workload(300);
  const env = await startSeededEnv(withPoison(events, 100), { signingKey: KEY, window: 64 });
  try {
    await t.step("the schema is migrated", async () => {
      const [row] = await env.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM machines`;
      equal(row?.n, 0);
    });

    await t.step("every message got the next sequence, poison included", async () => {
      equal(env.published.length, 300 + 3 * 3);
      deepEqual(env.published.map((m) => m.seq), env.published.map((_, i) => i + 1));
      equal(await streamCount(env.nats), env.published.length);
    });

    await t.step("reading the stream back gives the same messages and headers", async () => {
      const stored = await readStream(env.nats);
      deepEqual(stored, env.published);
      equal(stored[0]!.headers["Nats-Msg-Id"], events[0]!.id);
      const jsm = await jetstreamManager(env.nats);
      deepEqual(await jsm.consumers.list("SIGNALS").next(), [], "no consumer is left behind");
    });

    await t.step("the events decode under the key; the first poison stops decodeAll", async () => {
      const stored = await readStream(env.nats);
      const valid = stored.filter((m) => m.headers["Nats-Msg-Id"] !== undefined);
      deepEqual(decodeAll(valid, KEY), events);
      throws(() => decodeAll(stored, KEY), /seq 101: missing_signature/);
    });
  } finally {
    await env.close();
  }
});
