import { deepEqual, equal, match, ok } from "node:assert/strict";
import { readViews } from "../projector/store/read_views.ts";
import { cleanViews, projectLive, publish, shadowProgress, spawnReplay } from "./_testing.ts";
import { fleetEvents, type SpawnedService, startTestEnv, T0 } from "../testing/mod.ts";
import { cancelJob, enqueueJob, listJobs } from "./queue.ts";

async function killWhenHalfway(
  run: SpawnedService,
  sql: import("postgres").Sql,
  half: number,
  options: { signal: Deno.Signal; tag: string },
) {
  const deadline = Date.now() + 60_000;
  while ((await shadowProgress(sql, options.tag)) < half) {
    if (Date.now() > deadline) throw new Error("the rebuild never got halfway");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  run.child.kill(options.signal);
  return await run.status;
}

Deno.test("a rebuild killed halfway leaves the live views as they were, and a rerun completes", async (t) => {
  const env = await startTestEnv();
  try {
    // given a projected stream whose live views lost some rows
    const published = await publish(env.nats, fleetEvents(300, { fromMs: T0 }), {
      poisonEvery: 500,
    });
    await projectLive(env.sql, env.nats);
    await env.sql`DELETE FROM state_changes WHERE seq % 2 = 0`;
    await env.sql`UPDATE machines SET energy_uj = 0`;
    const damaged = await readViews(env.sql);
    const stack = { natsUrl: env.stack.natsUrl, databaseUrl: env.stack.databaseUrl };

    await t.step("SIGKILL halfway: live views untouched, the shadow left behind", async () => {
      const child = spawnReplay(stack, ["--projection", "all", "--yes"]);
      const output = await killWhenHalfway(child, env.sql, published / 2, {
        signal: "SIGKILL",
        tag: "all",
      });
      equal(output.signal, "SIGKILL");
      deepEqual(await readViews(env.sql), damaged);
      ok((await shadowProgress(env.sql, "all")) > 0, "the killed rebuild's shadow is still there");
      // Its job does not stay running: the next look at the queue fails it, never reruns it.
      const [job] = (await listJobs(env.sql)).jobs;
      equal(job?.state, "failed");
      match(job?.error ?? "", /attempt 1 lost/);
      match(job?.requestedBy ?? "", /^cli:/);
    });

    await t.step("Ctrl-C halfway: exit 130, live views untouched, its shadow dropped", async () => {
      const child = spawnReplay(stack, ["--projection", "state_changes", "--yes"]);
      const output = await killWhenHalfway(child, env.sql, published / 2, {
        signal: "SIGINT",
        tag: "state_changes",
      });
      equal(output.code, 130);
      match(child.output(), /live views are unchanged/);
      deepEqual(await readViews(env.sql), damaged);
      const own = await env.sql`SELECT 1 FROM pg_namespace WHERE nspname LIKE 'rebuild_state%'`;
      equal(own.length, 0, "the interrupted rebuild dropped its own shadow");
      equal((await listJobs(env.sql)).jobs[0]?.state, "cancelled");
    });

    await t.step("a queued job covering the projection: exit 3, naming the job", async () => {
      const queued = await enqueueJob(env.sql, {
        projection: "errors",
        projections: ["errors"],
        requestedBy: "ops",
      });
      const run = spawnReplay(stack, ["--projection", "all", "--yes"]);
      equal(await run.exited, 3, run.output());
      match(run.output(), new RegExp(`job ${queued.id}.*errors`));
      await cancelJob(env.sql, queued.id);
    });

    await t.step("the rerun drops the leftovers and completes", async () => {
      const run = spawnReplay(stack, ["--projection", "all", "--yes"]);
      equal(await run.exited, 0, run.output());
      const stdout = run.stdout();
      match(stdout, new RegExp(`events read\\s+${published}`));
      match(stdout, /events\/s\s+\d+/);
      match(stdout, /replay replaying: \d+\/\d+ events/, "a progress line off a terminal");
      deepEqual(await readViews(env.sql), await cleanViews(env.nats));
      const left = await env.sql`SELECT nspname FROM pg_namespace
        WHERE nspname LIKE 'rebuild%' OR nspname LIKE 'retired%'`;
      equal(left.length, 0);
      equal((await listJobs(env.sql)).jobs[0]?.state, "succeeded");
    });
  } finally {
    await env.close();
  }
});
