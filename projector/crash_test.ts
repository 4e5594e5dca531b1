import { deepEqual, equal, ok } from "node:assert/strict";
import { READ_MODEL_TABLES } from "./registry.ts";
import postgres from "postgres";
import type { PowerEvent } from "../events/mod.ts";
import { sleep } from "../lib/mod.ts";
import { createRandom } from "../producer/mod.ts";
import {
  publishEvents,
  type SpawnedService,
  spawnService,
  startTestEnv,
  waitUntil,
  workload,
} from "../testing/mod.ts";
import { lowestCheckpoint, waitForCheckpoint } from "./_test_stack.ts";
import { decodeBatch } from "./decode_batch.ts";
import { applyBatch, emptyViews } from "./projections/views.ts";
import { commitBatch } from "./store/commit_batch.ts";
import { readViews } from "./store/read_views.ts";
import { createSchemaLike } from "./store/schema.ts";
import type { RawMessage } from "./types.ts";

const EVENTS = 54_000;
const KILLS = 6;

/** Starts `deno task projector`'s command as a child process. */
function spawnProjector(env: Record<string, string>): SpawnedService {
  return spawnService("projector/main.ts", {
    permissions: "projector",
    env: { ...env, LOG_LEVEL: "warn" },
  });
}

Deno.test("projector killed at random moments loses nothing and counts nothing twice", async () => {
  const testEnv = await startTestEnv({
    sql: (url) => postgres(url, { max: 2, onnotice: () => {} }),
  });
  const { sql, nats: nc } = testEnv;
  const env = {
    NATS_URL: testEnv.stack.natsUrl,
    DATABASE_URL: testEnv.stack.databaseUrl,
    PROJECTOR_BATCH_SIZE: "400",
  };
  let current: SpawnedService | undefined;
  let publishing: Promise<RawMessage[]> | undefined;
  try {
    const random = createRandom(2026);
    const events = workload(EVENTS, { seed: 11 });
    const chunk = Math.ceil(EVENTS / (KILLS + 1));
    // given part of the events in the stream, and the rest published while the projector runs
    const published: RawMessage[] = await publishEvents(nc, events.slice(0, chunk));
    const killedAt: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      current = spawnProjector(env);
      const next = events.slice((round + 1) * chunk, (round + 2) * chunk);
      publishing = publishEvents(nc, next);
      // when the projector is killed (SIGKILL) at a random moment after it made progress
      // (a restarted worker first waits out the dead one's leases: give it time on a busy machine)
      const before = await lowestCheckpoint(sql);
      await waitUntil(
        "progress after a restart",
        async () => (await lowestCheckpoint(sql)) > before,
        60_000,
      );
      await sleep(Math.floor(random() * 250));
      current.child.kill("SIGKILL");
      killedAt.push(await lowestCheckpoint(sql));
      await current.status;
      current = undefined;
      published.push(...(await publishing));
    }
    // (each kill hit a projector with work in hand)
    equal(killedAt.length, KILLS);
    for (const [i, seq] of killedAt.entries()) ok(seq < (i + 2) * chunk, `killed at ${killedAt}`);
    // and then restarted to finish, and stopped with SIGTERM
    current = spawnProjector(env);
    await waitForCheckpoint(sql, published.at(-1)!.seq, 120_000);
    equal(await current.stop("SIGTERM"), 0, current.output());
    current = undefined;

    // then every read model equals one clean projection of the same events…
    equal(published.length, EVENTS);
    const expected = emptyViews();
    applyBatch(expected, decodeBatch(published));
    const live = await readViews(sql);
    deepEqual(live, expected);
    // …also when that clean projection is done by the batch writer into another schema
    await createSchemaLike(sql, "clean", { tables: READ_MODEL_TABLES });
    for (let i = 0; i < published.length; i += 5000) {
      await commitBatch(sql, decodeBatch(published.slice(i, i + 5000)), { schema: "clean" });
    }
    deepEqual(live, await readViews(sql, "clean"));
    // and the power sample totals equal those in the stream
    let samples = 0, sumMw = 0;
    for (const e of events) {
      if (e.type !== "power") continue;
      samples += (e as PowerEvent).data.watts.length;
      for (const w of (e as PowerEvent).data.watts) sumMw += Math.round(w * 1000);
    }
    const [totals] = await sql<{ samples: string; sum_mw: string }[]>`
      SELECT sum(samples) AS samples, sum(sum_mw) AS sum_mw FROM power_minutes`;
    deepEqual([Number(totals?.samples), Number(totals?.sum_mw)], [samples, sumMw]);
  } finally {
    // A failure mid-round must not leave a publish dangling past the connection's close.
    await publishing?.catch(() => {});
    await current?.stop("SIGKILL");
    await testEnv.close();
  }
});
