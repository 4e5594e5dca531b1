import { deepEqual, equal, match } from "node:assert/strict";
import { parseApiKeys } from "../api/auth.ts";
import { startTestEnv } from "../api/_test_stack.ts";
import { readViews } from "../projector/store/read_views.ts";
import { createReplayJobs } from "./jobs.ts";
import { cleanViews, fleetEvents, projectLive, publish, quiet, TEST_KEY } from "./_testing.ts";

const T0 = Date.parse("2026-11-23T10:00:00.000Z");

Deno.test("the admin API runs real rebuild jobs: auth, 202, progress to the end, 409", async (t) => {
  const env = await startTestEnv();
  const replay = createReplayJobs({
    sql: env.sql,
    nats: env.nats,
    signingKey: TEST_KEY,
    logger: quiet,
  });
  try {
    const published = await publish(env.nats, fleetEvents({ fromMs: T0, seconds: 120 }), {
      poisonEvery: 400,
    });
    await projectLive(env.sql, env.nats);
    await env.sql`DELETE FROM errors`;
    const apiKeys = parseApiKeys("reader-key-1:read,admin-key-01:admin");
    const app = env.app({ replay, settings: { apiKeys } });
    const post = (body: unknown, key?: string) =>
      app.request("/admin/replay", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify(body),
      });

    await t.step("401 without a key, 403 with a read-only key", async () => {
      const none = await post({ projection: "all" });
      equal(none.status, 401);
      await none.body?.cancel();
      const reader = await post({ projection: "all" }, "reader-key-1");
      equal(reader.status, 403);
      await reader.body?.cancel();
    });

    await t.step("202 with an admin key, then the job runs to success", async () => {
      const res = await post({ projection: "errors" }, "admin-key-01");
      equal(res.status, 202);
      const job = await res.json();
      equal(job.state, "running");
      equal(res.headers.get("location"), `/admin/replay/${job.id}`);
      await replay.settled(job.id);
      const done = await app.request(`/admin/replay/${job.id}`, {
        headers: { authorization: "Bearer admin-key-01" },
      });
      equal(done.status, 200);
      const status = await done.json();
      equal(status.state, "succeeded", JSON.stringify(status.errors));
      equal(status.progress, 1);
      equal(status.eventsRead, published);
      deepEqual(status.errors, []);
      deepEqual((await readViews(env.sql)).errors, (await cleanViews(env.nats)).errors);
    });

    await t.step("409 while a rebuild of the same projection runs", async () => {
      const first = await post({ projection: "all" }, "admin-key-01");
      equal(first.status, 202);
      const job = await first.json();
      const second = await post({ projection: "power_minutes", fromSeq: 10 }, "admin-key-01");
      equal(second.status, 409);
      equal(second.headers.get("content-type"), "application/problem+json");
      match((await second.json()).detail, /already running/);
      equal((await replay.settled(job.id))?.state, "succeeded");
      const after = await post({ projection: "power_minutes", fromSeq: 10 }, "admin-key-01");
      equal(after.status, 202);
      equal((await replay.settled((await after.json()).id))?.state, "succeeded");
    });

    await t.step("rebuilds of other projections run side by side, up to the limit", async () => {
      const a = replay.start({ projection: "errors" });
      const b = replay.start({ projection: "xray_scans" });
      const third = await post({ projection: "machines" }, "admin-key-01");
      equal(third.status, 409);
      match((await third.json()).detail, /2 rebuilds are running/);
      equal((await replay.settled(a.id))?.state, "succeeded");
      equal((await replay.settled(b.id))?.state, "succeeded");
    });

    await t.step("a rebuild held by another session fails the job with the reason", async () => {
      const conn = await env.sql.reserve();
      try {
        await conn`SELECT pg_advisory_lock(727005, 2)`; // "errors", as another process would
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
