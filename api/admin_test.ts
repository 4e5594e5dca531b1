import assert from "node:assert/strict";
import postgres from "postgres";
import { fleetEvents, publishEvents, silentLogger, waitUntil } from "../testing/mod.ts";
import { PROJECTIONS, runReplayWorker } from "../replay/mod.ts";
import { parseApiKeys } from "./auth.ts";
import { startTestEnv } from "./_test_stack.ts";

const ADMIN = "admin-key-01";

Deno.test("admin replay routes queue jobs in replay_jobs, report, list and cancel them", async (t) => {
  const env = await startTestEnv();
  try {
    const published = await publishEvents(env.nats, fleetEvents(20));
    const head = published.at(-1)!.seq;
    const apiKeys = parseApiKeys(`reader-key-1:read,ops:${ADMIN}:admin`);
    const app = env.app({ settings: { apiKeys, bodyLimitBytes: 1024 } });
    const call = (method: string, path: string, body?: unknown, key = ADMIN) =>
      app.request(path, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
    const post = (body: unknown, key = ADMIN) => call("POST", "/admin/replay", body, key);
    const clear = () => env.sql`DELETE FROM replay_jobs`;

    await t.step(
      "POST → 202, a queued row naming who asked (never the key), Location",
      async () => {
        const res = await post({ projection: "power_minutes", fromTime: "2026-11-23T10:00:00Z" });
        assert.equal(res.status, 202);
        const job = await res.json();
        assert.equal(res.headers.get("location"), `/admin/replay/${job.id}`);
        assert.equal(job.state, "queued");
        assert.equal(job.requestedBy, "ops");
        assert.equal(job.fromTime, "2026-11-23T10:00:00.000Z");
        const [row] = await env
          .sql`SELECT requested_by, state FROM replay_jobs WHERE id = ${job.id}`;
        assert.deepEqual({ ...row }, { requested_by: "ops", state: "queued" });
        assert.ok(!JSON.stringify(job).includes(ADMIN));
        const read = await call("GET", `/admin/replay/${job.id}`);
        assert.equal(read.status, 200);
        assert.deepEqual(await read.json(), job);
      },
    );

    await t.step(
      "a request covering a queued or running job's projection → 409 naming it",
      async () => {
        const [queued] = await env.sql<{ id: string }[]>`SELECT id::text AS id FROM replay_jobs`;
        for (const projection of ["power_minutes", "all"]) {
          const res = await post({ projection });
          assert.equal(res.status, 409);
          assert.equal(res.headers.get("content-type"), "application/problem+json");
          const detail = (await res.json()).detail;
          assert.match(detail, new RegExp(queued!.id));
          assert.match(detail, /power_minutes/);
        }
        const other = await post({ projection: "errors" });
        assert.equal(other.status, 202, "another projection queues behind it");
        await other.body?.cancel();
        await clear();
      },
    );

    await t.step("bad input → 400 naming the field", async () => {
      const unknown = await post({ projection: "nope" });
      assert.equal(unknown.status, 400);
      const body = await unknown.json();
      for (const p of [...PROJECTIONS, "all"]) assert.match(body.detail, new RegExp(p));
      const beyond = await post({ projection: "errors", fromSeq: head + 1 });
      assert.equal(beyond.status, 400);
      assert.match((await beyond.json()).detail, new RegExp(`fromSeq.*last sequence is ${head}`));
      const atHead = await post({ projection: "errors", fromSeq: head });
      assert.equal(atHead.status, 202);
      await atHead.body?.cancel();
      await clear();
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const later = await post({ projection: "errors", fromTime: future });
      assert.equal(later.status, 400);
      assert.match((await later.json()).detail, /fromTime.*in the future/);
      const cases: [unknown, string][] = [
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
      assert.equal((await env.sql`SELECT count(*)::int AS n FROM replay_jobs`)[0]!.n, 0);
    });

    await t.step("GET /admin/replay: newest first, keyset-paged, filtered by state", async () => {
      const ids: string[] = [];
      for (const projection of ["errors", "machines", "failures"]) {
        ids.push((await (await post({ projection })).json()).id);
      }
      (await call("DELETE", `/admin/replay/${ids[1]}`)).body?.cancel();
      const first = await (await call("GET", "/admin/replay?limit=2")).json();
      assert.deepEqual(first.data.map((j: { id: string }) => j.id), [ids[2], ids[1]]);
      assert.ok(first.next);
      const second = await (await call("GET", `/admin/replay?limit=2&cursor=${first.next}`)).json();
      assert.deepEqual(second.data.map((j: { id: string }) => j.id), [ids[0]]);
      assert.equal(second.next, null);
      const cancelled = await (await call("GET", "/admin/replay?state=cancelled")).json();
      assert.deepEqual(cancelled.data.map((j: { id: string }) => j.id), [ids[1]]);
      const both = await (await call("GET", "/admin/replay?state=cancelled&state=queued")).json();
      assert.equal(both.data.length, 3);
      for (const bad of ["state=done", "limit=0", "cursor=abc", "order=asc"]) {
        const res = await call("GET", `/admin/replay?${bad}`);
        assert.equal(res.status, 400, bad);
        await res.body?.cancel();
      }
      await clear();
    });

    await t.step("DELETE cancels a queued job; a finished one → 409; unknown → 404", async () => {
      const job = await (await post({ projection: "errors" })).json();
      const res = await call("DELETE", `/admin/replay/${job.id}`);
      assert.equal(res.status, 200);
      const cancelled = await res.json();
      assert.equal(cancelled.state, "cancelled");
      assert.ok(cancelled.finishedAt);
      const again = await call("DELETE", `/admin/replay/${job.id}`);
      assert.equal(again.status, 409);
      assert.match((await again.json()).detail, /cancelled/);
      for (const id of [crypto.randomUUID(), "job-404"]) {
        for (const method of ["GET", "DELETE"]) {
          const missing = await call(method, `/admin/replay/${id}`);
          assert.equal(missing.status, 404, `${method} ${id}`);
          await missing.body?.cancel();
        }
      }
      await clear();
    });

    await t.step("auth: 401 without a key, 403 with a read key", async () => {
      const none = await app.request("/admin/replay", { method: "POST" });
      assert.equal(none.status, 401);
      await none.body?.cancel();
      for (const [method, path] of [["POST", "/admin/replay"], ["GET", "/admin/replay"]]) {
        const body = method === "POST" ? { projection: "all" } : undefined;
        const read = await call(method!, path!, body, "reader-key-1");
        assert.equal(read.status, 403);
        await read.body?.cancel();
      }
    });

    await t.step("20 concurrent POSTs: each 202 or 409, and every accepted job ends", async () => {
      const names = ["errors", "machines", "all", "failures", "xray_scans", "power_minutes"];
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post({ projection: names[i % names.length] })),
      );
      const accepted: string[] = [];
      for (const res of answers) {
        assert.ok(res.status === 202 || res.status === 409, String(res.status));
        const body = await res.json();
        if (res.status === 202) accepted.push(body.id);
      }
      assert.ok(accepted.length >= 1);
      // A worker of its own, as `deno task replay --worker` runs beside the API.
      const sql = postgres(env.stack.databaseUrl, { max: 6, onnotice: () => {} });
      const stop = new AbortController();
      const worker = runReplayWorker(
        { sql, nats: env.nats, logger: silentLogger },
        { signal: stop.signal, pollMs: 100, concurrency: 2 },
      );
      try {
        await waitUntil("every accepted job to end", async () => {
          const page = await (await call("GET", "/admin/replay?state=queued&state=running")).json();
          return page.data.length === 0;
        }, 120_000);
        for (const id of accepted) {
          assert.equal(
            (await (await call("GET", `/admin/replay/${id}`)).json()).state,
            "succeeded",
          );
        }
      } finally {
        stop.abort();
        await worker;
        await sql.end();
      }
    });
  } finally {
    await env.close();
  }
});
