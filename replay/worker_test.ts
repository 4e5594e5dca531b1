import { deepEqual, equal, ok } from "node:assert/strict";
import type { Sql } from "postgres";
import { waitUntil } from "../dev/ports.ts";
import { PROJECTIONS } from "../projector/registry.ts";
import { readViews } from "../projector/store/read_views.ts";
import { cleanViews, projectLive, publish, TEST_KEY } from "./_testing.ts";
import { fleetEvents, silentLogger, startTestEnv, T0 } from "../testing/mod.ts";
import type { ReplayJob } from "./contract.ts";
import { cancelJob, enqueueJob, getJob } from "./queue.ts";
import { type ReplayWorkerOptions, runReplayWorker } from "./worker.ts";
import { tryLockProjections, unlockProjections } from "./_schemas.ts";

const request = (projection: string) => ({
  projection,
  projections: projection === "all" ? [...PROJECTIONS] : [projection],
  requestedBy: "test",
});

/** Waits until job `id` is in a final state, sampling its row meanwhile. */
async function follow(sql: Sql, id: string, timeoutMs = 60_000): Promise<ReplayJob[]> {
  const seen: ReplayJob[] = [];
  await waitUntil(`job ${id} to end`, async () => {
    const job = (await getJob(sql, id))!;
    seen.push(job);
    return !["queued", "running"].includes(job.state);
  }, timeoutMs);
  return seen;
}

/** Runs a worker over the test env until the returned `stop` is called. */
function startWorker(
  env: Awaited<ReturnType<typeof startTestEnv>>,
  options: ReplayWorkerOptions = {},
) {
  const stop = new AbortController();
  const done = runReplayWorker({
    sql: env.sql,
    nats: env.nats,
    signingKey: TEST_KEY,
    logger: silentLogger,
  }, {
    pollMs: 100,
    heartbeatMs: 250,
    leaseMs: 5000,
    batchSize: 200,
    ...options,
    signal: stop.signal,
  });
  return async () => {
    stop.abort();
    await done;
  };
}

Deno.test("replay workers run queued jobs, report progress, honour concurrency and cancel", async (t) => {
  const env = await startTestEnv();
  try {
    // given a projected stream whose live views lost some rows
    const published = await publish(env.nats, fleetEvents(200, { fromMs: T0 }), {
      poisonEvery: 500,
    });
    await projectLive(env.sql, env.nats);
    await env.sql`DELETE FROM state_changes WHERE seq % 2 = 0`;
    const damaged = await readViews(env.sql);
    const clean = await cleanViews(env.nats);

    await t.step("cancel mid-rebuild: live views untouched, the shadow dropped", async () => {
      const stop = startWorker(env, { batchSize: 20 });
      try {
        const job = await enqueueJob(env.sql, request("all"));
        await waitUntil("the rebuild to be halfway", async () => {
          const row = (await getJob(env.sql, job.id))!;
          return row.state === "running" && row.eventsRead > published / 3;
        });
        equal((await cancelJob(env.sql, job.id))?.cancelRequested, true);
        await follow(env.sql, job.id);
        const ended = (await getJob(env.sql, job.id))!;
        equal(ended.state, "cancelled");
        equal(ended.error, "cancelled on request");
        deepEqual(await readViews(env.sql), damaged);
        const left = await env.sql`SELECT nspname FROM pg_namespace
          WHERE nspname LIKE 'rebuild%' OR nspname LIKE 'retired%'`;
        equal(left.length, 0);
      } finally {
        await stop();
      }
    });

    await t.step("a job runs to the end, writing progress at least once a second", async () => {
      const stop = startWorker(env);
      try {
        const job = await enqueueJob(env.sql, request("all"));
        const seen = await follow(env.sql, job.id);
        const done = (await getJob(env.sql, job.id))!;
        equal(done.state, "succeeded", done.error ?? "");
        equal(done.eventsRead, published);
        equal(done.progress, 1);
        ok(done.eventsPerSec > 0);
        ok(done.startedAt && done.finishedAt);
        equal((done.summary as { checkpoint: number }).checkpoint, published);
        deepEqual(await readViews(env.sql), clean);
        // the row moved while it ran, and its heartbeat never paused for a second
        ok(seen.some((j) => j.phase === "replaying" && j.eventsRead > 0 && j.etaSeconds !== null));
        const beats = [
          ...new Set(seen.filter((j) => j.state === "running").map((j) => j.heartbeatAt!)),
        ]
          .map((at) => Date.parse(at));
        for (let i = 1; i < beats.length; i++) {
          ok(beats[i]! - beats[i - 1]! <= 1000, `heartbeats ${beats[i]! - beats[i - 1]!} ms apart`);
        }
      } finally {
        await stop();
      }
    });

    /** Queues jobs for errors and machines, and runs a worker until both have ended. */
    const runTwo = async (concurrency?: number) => {
      const queued = [await enqueueJob(env.sql, request("errors"))];
      queued.push(await enqueueJob(env.sql, request("machines")));
      const stop = startWorker(env, { concurrency });
      try {
        for (const job of queued) await follow(env.sql, job.id);
        const [a, b] = await Promise.all(
          queued.map(async (job) => (await getJob(env.sql, job.id))!),
        );
        equal(a!.state, "succeeded");
        equal(b!.state, "succeeded");
        return { a: a!, b: b! };
      } finally {
        await stop();
      }
    };

    await t.step("one job at a time by default; the next waits in the queue", async () => {
      const { a, b } = await runTwo();
      ok(Date.parse(b.startedAt!) >= Date.parse(a.finishedAt!), "b started after a ended");
    });

    await t.step("with concurrency 2, both jobs run at once", async () => {
      const { a, b } = await runTwo(2);
      ok(Date.parse(b.startedAt!) <= Date.parse(a.finishedAt!), "b started before a ended");
      deepEqual(await readViews(env.sql), clean);
    });

    await t.step("a job whose projection another session rebuilds waits, then runs", async () => {
      // given another session (a CLI of an older version, say) holding the rebuild lock of errors
      const other = await env.sql.reserve();
      try {
        deepEqual(await tryLockProjections(other, ["errors"]), []);
        const job = await enqueueJob(env.sql, request("errors"));
        const stop = startWorker(env);
        try {
          await waitUntil("the job to be put back", async () => {
            const row = (await getJob(env.sql, job.id))!;
            return row.state === "queued" && row.phase === "waiting";
          });
          const waiting = (await getJob(env.sql, job.id))!;
          equal(waiting.attempts, 0, "a wait costs no attempt");
          ok(/being rebuilt by another session/.test(waiting.error ?? ""), waiting.error ?? "");
          // when that session lets go, the job runs
          await unlockProjections(other, ["errors"]);
          await follow(env.sql, job.id);
          equal((await getJob(env.sql, job.id))?.state, "succeeded");
        } finally {
          await stop();
        }
      } finally {
        other.release();
      }
    });
  } finally {
    await env.close();
  }
});
