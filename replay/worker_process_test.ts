import { deepEqual, equal, match, ok } from "node:assert/strict";
import { waitUntil } from "../dev/ports.ts";
import { PROJECTIONS } from "../projector/registry.ts";
import { readViews } from "../projector/store/read_views.ts";
import {
  cleanViews,
  fleetEvents,
  projectLive,
  publish,
  shadowProgress,
  startReplayEnv,
  TEST_KEY,
} from "./_testing.ts";
import { enqueueJob, getJob } from "./queue.ts";

const T0 = Date.parse("2026-11-23T10:00:00.000Z");
const ROOT = new URL("../", import.meta.url).pathname;

/** A replay worker process, as `deno task replay --worker` runs it. */
function spawnWorker(stack: { natsUrl: string; databaseUrl: string }) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=replay", "replay/worker_main.ts"],
    cwd: ROOT,
    env: {
      NATS_URL: stack.natsUrl,
      DATABASE_URL: stack.databaseUrl,
      SIGNING_KEY: TEST_KEY,
      REPLAY_BATCH_SIZE: "50",
      REPLAY_POLL_MS: "200",
      LOG_LEVEL: "warn",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

Deno.test("replay jobs survive their worker: SIGKILL and SIGTERM mid-rebuild", async (t) => {
  const env = await startReplayEnv();
  const stack = { natsUrl: env.stack.natsUrl, databaseUrl: env.stack.databaseUrl };
  try {
    // given a projected stream whose live views lost some rows
    const published = await publish(env.nats, fleetEvents({ fromMs: T0, seconds: 300 }), {
      poisonEvery: 500,
    });
    await projectLive(env.sql, env.nats);
    await env.sql`DELETE FROM state_changes WHERE seq % 2 = 0`;
    const damaged = await readViews(env.sql);
    const all = { projection: "all", projections: [...PROJECTIONS], requestedBy: "test" };
    const halfway = () =>
      waitUntil(
        "the rebuild to be halfway",
        async () => (await shadowProgress(env.sql, "all")) > published / 2,
      );

    await t.step(
      "SIGKILL: live views intact, the job leaves running, a new worker ends it",
      async () => {
        const job = await enqueueJob(env.sql, all);
        const worker = spawnWorker(stack);
        await halfway();
        worker.kill("SIGKILL");
        await worker.output();
        deepEqual(await readViews(env.sql), damaged);
        // No worker is left: the job is taken back by the next look at the queue.
        await waitUntil(
          "the job to leave running",
          async () => (await getJob(env.sql, job.id))?.state !== "running",
        );
        const back = (await getJob(env.sql, job.id))!;
        equal(back.state, "queued");
        equal(back.attempts, 1);
        match(back.error ?? "", /attempt 1 lost/);
        const next = spawnWorker(stack);
        try {
          await waitUntil(
            "the job to end",
            async () => (await getJob(env.sql, job.id))?.state === "succeeded",
            60_000,
          );
          equal((await getJob(env.sql, job.id))?.attempts, 2);
          deepEqual(await readViews(env.sql), await cleanViews(env.nats));
        } finally {
          next.kill("SIGTERM");
          await next.output();
        }
      },
    );

    await t.step(
      "SIGTERM: the job goes back to the queue; a restarted worker ends it",
      async () => {
        await env.sql`DELETE FROM state_changes WHERE seq % 2 = 1`;
        const damagedAgain = await readViews(env.sql);
        const job = await enqueueJob(env.sql, all);
        const worker = spawnWorker(stack);
        await halfway();
        worker.kill("SIGTERM");
        const output = await worker.output();
        equal(output.code, 0, new TextDecoder().decode(output.stderr));
        const back = (await getJob(env.sql, job.id))!;
        equal(back.state, "queued");
        equal(back.attempts, 0, "a clean stop costs no attempt");
        ok((await shadowProgress(env.sql, "all")) === 0, "the stopped rebuild dropped its shadow");
        deepEqual(await readViews(env.sql), damagedAgain);
        const restarted = spawnWorker(stack);
        try {
          await waitUntil(
            "the job to end",
            async () => (await getJob(env.sql, job.id))?.state === "succeeded",
            60_000,
          );
          deepEqual(await readViews(env.sql), await cleanViews(env.nats));
        } finally {
          restarted.kill("SIGTERM");
          await restarted.output();
        }
      },
    );
  } finally {
    await env.close();
  }
});
