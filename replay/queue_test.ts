import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { startTestEnv } from "../testing/mod.ts";
import {
  cancelJob,
  enqueueJob,
  getJob,
  JobConflictError,
  JobFinishedError,
  listJobs,
} from "./queue.ts";
import {
  claimNextJob,
  heartbeatJob,
  purgeOldJobs,
  reapLostJobs,
  registerWorker,
  settleJob,
} from "./queue_lease.ts";

const ALL = ["machines", "state_changes", "errors", "power_minutes", "sensor_readings"];
const one = (projection: string) => ({
  projection,
  projections: projection === "all" ? ALL : [projection],
  requestedBy: "ops",
});

Deno.test("the replay job queue", async (t) => {
  const env = await startTestEnv();
  const sql = env.sql;
  const clear = () => sql`DELETE FROM replay_jobs`;
  try {
    await t.step("a job is queued with who asked, and read back", async () => {
      const job = await enqueueJob(sql, { ...one("errors"), fromSeq: 5 });
      equal(job.state, "queued");
      equal(job.requestedBy, "ops");
      equal(job.fromSeq, 5);
      deepEqual(job.projections, ["errors"]);
      deepEqual(await getJob(sql, job.id), job);
      equal(await getJob(sql, crypto.randomUUID()), undefined);
      equal(await getJob(sql, "not-a-uuid"), undefined);
      await clear();
    });

    await t.step("a job overlapping a queued or running one is refused, naming it", async () => {
      const errors = await enqueueJob(sql, one("errors"));
      await rejects(enqueueJob(sql, one("all")), (error: Error) => {
        ok(error instanceof JobConflictError);
        match(error.message, new RegExp(`job ${errors.id} \\(queued, asked by ops\\)`));
        match(error.message, /covers errors/);
        return true;
      });
      const machines = await enqueueJob(sql, one("machines"));
      equal(machines.state, "queued", "a job for other projections queues");
      equal((await cancelJob(sql, errors.id))?.state, "cancelled");
      await rejects(enqueueJob(sql, one("all")), /covers machines/);
      await cancelJob(sql, machines.id);
      equal((await enqueueJob(sql, one("all"))).state, "queued", "no active job overlaps now");
      await clear();
    });

    await t.step(
      "twenty concurrent requests: each queued or refused, never overlapping",
      async () => {
        const names = ["errors", "machines", "all", "failures", "xray_scans"];
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => enqueueJob(sql, one(names[i % names.length]!))),
        );
        for (const r of results) {
          if (r.status === "rejected") ok(r.reason instanceof JobConflictError, String(r.reason));
        }
        const queued = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
        ok(queued.length >= 1);
        const covered = queued.flatMap((job) => job.projections);
        equal(new Set(covered).size, covered.length, "no projection is in two active jobs");
        await clear();
      },
    );

    await t.step("listing is newest first, keyset-paged and filtered by state", async () => {
      const made = [];
      for (const p of ["errors", "machines", "failures", "xray_scans", "state_changes"]) {
        made.push(await enqueueJob(sql, one(p)));
      }
      await cancelJob(sql, made[1]!.id);
      const first = await listJobs(sql, { limit: 2 });
      deepEqual(first.jobs.map((j) => j.id), [made[4]!.id, made[3]!.id]);
      ok(first.next);
      const second = await listJobs(sql, { limit: 2, after: first.next });
      deepEqual(second.jobs.map((j) => j.id), [made[2]!.id, made[1]!.id]);
      const third = await listJobs(sql, { limit: 2, after: second.next });
      deepEqual(third.jobs.map((j) => j.id), [made[0]!.id]);
      equal(third.next, undefined);
      const cancelled = await listJobs(sql, { states: ["cancelled"] });
      deepEqual(cancelled.jobs.map((j) => j.id), [made[1]!.id]);
      await clear();
    });

    await t.step("cancel: queued ends at once, running is asked, finished is refused", async () => {
      const worker = await registerWorker(sql, "w1");
      try {
        const job = await enqueueJob(sql, one("errors"));
        const claimed = await claimNextJob(sql, worker, 10_000);
        equal(claimed?.id, job.id);
        equal(claimed?.state, "running");
        equal(claimed?.attempts, 1);
        const asked = await cancelJob(sql, job.id);
        equal(asked?.state, "running");
        equal(asked?.cancelRequested, true);
        deepEqual(await heartbeatJob(sql, job.id, worker, { leaseMs: 10_000 }), {
          cancelRequested: true,
        });
        ok(await settleJob(sql, job.id, worker, { state: "cancelled" }));
        const ended = await getJob(sql, job.id);
        equal(ended?.state, "cancelled");
        ok(ended?.finishedAt);
        await rejects(cancelJob(sql, job.id), JobFinishedError);
        equal(await cancelJob(sql, crypto.randomUUID()), undefined);
      } finally {
        await worker.release();
        await clear();
      }
    });

    await t.step("two workers claim different jobs (SKIP LOCKED)", async () => {
      const [a, b] = await Promise.all([registerWorker(sql, "a"), registerWorker(sql, "b")]);
      try {
        await enqueueJob(sql, one("errors"));
        await enqueueJob(sql, one("machines"));
        const [ja, jb] = await Promise.all([
          claimNextJob(sql, a, 10_000),
          claimNextJob(sql, b, 10_000),
        ]);
        ok(ja && jb);
        ok(ja.id !== jb.id);
        equal(await claimNextJob(sql, a, 10_000), undefined, "nothing left to claim");
        equal(await heartbeatJob(sql, ja.id, b, { leaseMs: 1000 }), undefined, "not b's job");
      } finally {
        await a.release();
        await b.release();
        await clear();
      }
    });

    await t.step("a dead worker's job is queued again, then fails after its attempts", async () => {
      const job = await enqueueJob(sql, one("errors"), { maxAttempts: 2 });
      for (let attempt = 1; attempt <= 2; attempt++) {
        const worker = await registerWorker(sql, `w${attempt}`);
        equal((await claimNextJob(sql, worker, 60_000))?.id, job.id);
        deepEqual(await reapLostJobs(sql), [], "a live worker's job is left alone");
        await worker.release();
        const [reaped] = await reapLostJobs(sql);
        equal(reaped?.state, attempt === 1 ? "queued" : "failed");
      }
      const failed = await getJob(sql, job.id);
      equal(failed?.state, "failed");
      match(failed?.error ?? "", /attempt 2 lost: worker w2 stopped/);
      await clear();
    });

    await t.step("a job whose lease expired is taken back from a live worker", async () => {
      const worker = await registerWorker(sql, "slow");
      try {
        const job = await enqueueJob(sql, one("errors"));
        await claimNextJob(sql, worker, 1);
        await sql`SELECT pg_sleep(0.01)`;
        const [reaped] = await reapLostJobs(sql);
        equal(reaped?.id, job.id);
        equal(reaped?.state, "queued");
        match((await getJob(sql, job.id))?.error ?? "", /lease expired/);
        equal(await heartbeatJob(sql, job.id, worker, { leaseMs: 1000 }), undefined);
        equal(await settleJob(sql, job.id, worker, { state: "failed", error: "x" }), false);
      } finally {
        await worker.release();
        await clear();
      }
    });

    await t.step("jobs that ended more than 30 days ago are deleted", async () => {
      const old = await enqueueJob(sql, one("errors"));
      await cancelJob(sql, old.id);
      await sql`UPDATE replay_jobs SET finished_at = now() - interval '31 days'`;
      const recent = await enqueueJob(sql, one("errors"));
      await cancelJob(sql, recent.id);
      equal(await purgeOldJobs(sql), 1);
      deepEqual((await listJobs(sql)).jobs.map((j) => j.id), [recent.id]);
      await clear();
    });
  } finally {
    await env.close();
  }
});
