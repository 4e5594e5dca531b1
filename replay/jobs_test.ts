import { deepEqual, equal, match, throws } from "node:assert/strict";
import { readViews } from "../projector/store/read_views.ts";
import { createReplayJobs } from "./jobs.ts";
import { cleanViews, projectLive, publish, TEST_KEY } from "./_testing.ts";
import { fleetEvents, silentLogger, startTestEnv, T0 } from "../testing/mod.ts";

Deno.test("the job manager runs real rebuilds: progress to the end, conflicts, limits", async (t) => {
  const env = await startTestEnv();
  const replay = createReplayJobs({
    sql: env.sql,
    nats: env.nats,
    signingKey: TEST_KEY,
    logger: silentLogger,
  });
  try {
    const published = await publish(env.nats, fleetEvents(120, { fromMs: T0 }), {
      poisonEvery: 400,
    });
    await projectLive(env.sql, env.nats);
    await env.sql`DELETE FROM errors`;

    await t.step(
      "a started job is running, then succeeds having read the whole stream",
      async () => {
        const job = replay.start({ projection: "errors" });
        equal(job.state, "running");
        equal(job.projection, "errors");
        const status = await replay.settled(job.id);
        equal(status?.state, "succeeded", JSON.stringify(status?.errors));
        equal(status?.progress, 1);
        equal(status?.eventsRead, published);
        deepEqual(status?.errors, []);
        deepEqual((await readViews(env.sql)).errors, (await cleanViews(env.nats)).errors);
      },
    );

    await t.step("an unknown projection is refused", () => {
      throws(() => replay.start({ projection: "nope" }), RangeError);
    });

    await t.step("a second rebuild of a projection being rebuilt is a conflict", async () => {
      const first = replay.start({ projection: "all" });
      throws(
        () => replay.start({ projection: "power_minutes", fromSeq: 10 }),
        (e: unknown) => e instanceof Error && e.name === "ReplayConflictError",
      );
      equal((await replay.settled(first.id))?.state, "succeeded");
      const after = replay.start({ projection: "power_minutes", fromSeq: 10 });
      equal((await replay.settled(after.id))?.state, "succeeded");
    });

    await t.step("rebuilds of other projections run side by side, up to the limit", async () => {
      const a = replay.start({ projection: "errors" });
      const b = replay.start({ projection: "xray_scans" });
      throws(
        () => replay.start({ projection: "machines" }),
        (e: unknown) => e instanceof Error && /2 rebuilds are running/.test(e.message),
      );
      equal((await replay.settled(a.id))?.state, "succeeded");
      equal((await replay.settled(b.id))?.state, "succeeded");
    });

    await t.step("a rebuild held by another session fails the job with the reason", async () => {
      const conn = await env.sql.reserve();
      try {
        // The lock another process rebuilding "errors" would hold.
        await conn`SELECT pg_advisory_lock(727005, hashtext('errors'))`;
        const job = replay.start({ projection: "errors" });
        const status = await replay.settled(job.id);
        equal(status?.state, "failed");
        match(status!.errors[0]!, /ReplayConflictError: errors is being rebuilt/);
      } finally {
        await conn`SELECT pg_advisory_unlock_all()`;
        conn.release();
      }
    });
  } finally {
    await replay.close();
    await env.close();
  }
});
