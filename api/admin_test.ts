import assert from "node:assert/strict";
import { parseApiKeys } from "./auth.ts";
import { type ReplayJobs, type ReplayJobStatus, type ReplayRequest, startedJob } from "./deps.ts";
import { startTestEnv } from "./_test_stack.ts";

/** A replay engine that records requests and finishes jobs when told. */
class FakeReplayJobs implements ReplayJobs {
  jobs = new Map<string, ReplayJobStatus>();
  requests: ReplayRequest[] = [];
  start(request: ReplayRequest): ReplayJobStatus {
    const running = [...this.jobs.values()].find((job) =>
      job.state === "running" &&
      (job.projection === request.projection || job.projection === "all" ||
        request.projection === "all")
    );
    if (running) {
      const error = new Error(`job ${running.id} is rebuilding ${running.projection}`);
      error.name = "ReplayConflictError";
      throw error;
    }
    this.requests.push(request);
    const job = startedJob(`job-${this.jobs.size + 1}`, request.projection, {
      totalEvents: 100,
    });
    this.jobs.set(job.id, job);
    return job;
  }
  get(id: string): ReplayJobStatus | undefined {
    return this.jobs.get(id);
  }
  finish(id: string): void {
    const job = this.jobs.get(id)!;
    Object.assign(job, {
      state: "succeeded",
      eventsRead: 100,
      progress: 1,
      finishedAt: new Date().toISOString(),
    });
  }
}

Deno.test("admin replay routes start, report and refuse concurrent rebuilds", async (t) => {
  const env = await startTestEnv();
  try {
    const apiKeys = parseApiKeys("reader-key-1:read,admin-key-01:admin");
    const replay = new FakeReplayJobs();
    const app = env.app({ replay, settings: { apiKeys, bodyLimitBytes: 1024 } });
    const post = (body: unknown, key = "admin-key-01") =>
      app.request("/admin/replay", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const get = (id: string, key = "admin-key-01") =>
      app.request(`/admin/replay/${id}`, { headers: { authorization: `Bearer ${key}` } });

    await t.step("POST → 202 with the job and its location", async () => {
      const res = await post({ projection: "power_minutes", fromTime: "2026-11-23T10:00:00Z" });
      assert.equal(res.status, 202);
      const job = await res.json();
      assert.equal(job.id, "job-1");
      assert.equal(res.headers.get("location"), "/admin/replay/job-1");
      assert.deepEqual(replay.requests[0], {
        projection: "power_minutes",
        fromTime: "2026-11-23T10:00:00.000Z",
      });
    });
    await t.step("a second rebuild of the same projection → 409", async () => {
      const res = await post({ projection: "power_minutes" });
      assert.equal(res.status, 409);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      assert.match((await res.json()).detail, /power_minutes/);
    });
    await t.step("GET follows the job to its end", async () => {
      assert.equal((await (await get("job-1")).json()).state, "running");
      replay.finish("job-1");
      const done = await (await get("job-1")).json();
      assert.equal(done.state, "succeeded");
      assert.equal(done.progress, 1);
      const missing = await get("job-404");
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
    });
    await t.step("after the job ends, the projection can be rebuilt again", async () => {
      const res = await post({ projection: "power_minutes", fromSeq: 10 });
      assert.equal(res.status, 202);
      assert.deepEqual(replay.requests.at(-1), { projection: "power_minutes", fromSeq: 10 });
    });
    await t.step("bad bodies are 400s naming the field", async () => {
      const cases: [unknown, string][] = [
        [{ projection: "nope" }, "projection"],
        [{}, "projection"],
        [{ projection: "all", fromSeq: -1 }, "fromSeq"],
        [{ projection: "all", fromSeq: "10" }, "fromSeq"],
        [{ projection: "all", fromTime: "noon" }, "fromTime"],
        [{ projection: "all", fromSeq: 1, fromTime: "2026-11-23T10:00:00Z" }, "fromTime"],
        [{ projection: "all", extra: 1 }, "extra"],
        ["{not json", "body"],
        ["[1,2]", "(body)"],
      ];
      for (const [body, field] of cases) {
        const res = await post(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.ok((await res.json()).detail.includes(field), JSON.stringify(body));
      }
    });
    await t.step("a body over the limit → 413", async () => {
      const res = await post({ projection: "all", pad: "x".repeat(5000) });
      assert.equal(res.status, 413);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      await res.body?.cancel();
    });
    await t.step("auth: 401 without a key, 403 with a read key", async () => {
      const none = await app.request("/admin/replay", { method: "POST" });
      assert.equal(none.status, 401);
      await none.body?.cancel();
      const read = await post({ projection: "all" }, "reader-key-1");
      assert.equal(read.status, 403);
      await read.body?.cancel();
    });
    await t.step("without a replay engine → 503", async () => {
      const bare = env.app({ settings: { apiKeys } });
      const res = await bare.request("/admin/replay", {
        method: "POST",
        headers: { authorization: "Bearer admin-key-01", "content-type": "application/json" },
        body: JSON.stringify({ projection: "all" }),
      });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      const status = await bare.request("/admin/replay/job-1", {
        headers: { authorization: "Bearer admin-key-01" },
      });
      assert.equal(status.status, 503);
      await Promise.all([res.body?.cancel(), status.body?.cancel()]);
    });
  } finally {
    await env.close();
  }
});
