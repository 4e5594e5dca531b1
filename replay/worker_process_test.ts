import { deepEqual, equal, match, ok } from "node:assert/strict";
import { waitUntil } from "../dev/ports.ts";
import { PROJECTIONS } from "../projector/registry.ts";
import { readViews } from "../projector/store/read_views.ts";
import { cleanViews, projectLive, publish, shadowProgress, TEST_KEY } from "./_testing.ts";
import { fleetEvents, spawnService, startTestEnv, T0 } from "../testing/mod.ts";
import { enqueueJob, getJob } from "./queue.ts";

/**
 * A replay worker process, as `deno task replay --worker` runs it, with `env` over the defaults.
 * At the default priority (REPLAY_NICE=10) a worker beside a CPU hog gets a sliver of a core (it
 * did not get halfway within 30 s under stress-ng), so the workers that must rebuild run at
 * normal priority; the default is checked on a worker of its own.
 */
function spawnWorker(
  stack: { natsUrl: string; databaseUrl: string },
  env: Record<string, string> = { REPLAY_NICE: "0" },
) {
  return spawnService("replay/main.ts", {
    permissions: "replay",
    args: ["--worker"],
    env: {
      NATS_URL: stack.natsUrl,
      DATABASE_URL: stack.databaseUrl,
      SIGNING_KEY: TEST_KEY,
      REPLAY_BATCH_SIZE: "50",
      REPLAY_POLL_MS: "200",
      LOG_LEVEL: "warn",
      ...env,
    },
  });
}

Deno.test("replay jobs survive their worker: SIGKILL and SIGTERM mid-rebuild", async (t) => {
  const env = await startTestEnv();
  const stack = { natsUrl: env.stack.natsUrl, databaseUrl: env.stack.databaseUrl };
  try {
    // given a projected stream whose live views lost some rows
    const published = await publish(env.nats, fleetEvents(300, { fromMs: T0 }), {
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
        60_000,
      );

    await t.step(
      "a worker runs below normal CPU priority (REPLAY_NICE, 10 by default)",
      async () => {
        const worker = spawnWorker(stack, { LOG_LEVEL: "info" });
        try {
          // Ready means its signal handlers are set, and it lowered its priority before that.
          const ready = () => /replay worker ready/.test(worker.output() + worker.stdout());
          await waitUntil("the worker to be ready", () => {
            return Promise.resolve(ready() || worker.exitCode() !== undefined);
          }, 60_000);
          const stat = await new Deno.Command("cat", { args: [`/proc/${worker.child.pid}/stat`] })
            .output();
          equal(new TextDecoder().decode(stat.stdout).split(") ")[1]!.split(" ")[16], "10");
        } finally {
          equal(await worker.stop("SIGTERM"), 0, worker.output());
        }
      },
    );

    await t.step(
      "SIGKILL: live views intact, the job leaves running, a new worker ends it",
      async () => {
        const job = await enqueueJob(env.sql, all);
        const worker = spawnWorker(stack);
        await halfway();
        await worker.stop("SIGKILL");
        deepEqual(await readViews(env.sql), damaged);
        // No worker is left: the job is taken back by the next look at the queue.
        await waitUntil(
          "the job to leave running",
          async () => (await getJob(env.sql, job.id))?.state !== "running",
          60_000,
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
            180_000,
          );
          equal((await getJob(env.sql, job.id))?.attempts, 2);
          deepEqual(await readViews(env.sql), await cleanViews(env.nats));
        } finally {
          await next.stop("SIGTERM");
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
        equal(await worker.stop("SIGTERM"), 0, worker.output());
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
            180_000,
          );
          deepEqual(await readViews(env.sql), await cleanViews(env.nats));
        } finally {
          await restarted.stop("SIGTERM");
        }
      },
    );
  } finally {
    await env.close();
  }
});
