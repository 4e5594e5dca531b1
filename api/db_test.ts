import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { conforming } from "./_conformance.ts";
import { createSql } from "./db.ts";
import { startTestEnv } from "./_test_stack.ts";
import { silentLogger } from "../testing/mod.ts";

Deno.test("every query runs under the statement timeout, and a timeout is a 503", async (t) => {
  const env = await startTestEnv();
  const impatient = createSql(env.stack.databaseUrl, { timeoutMs: 200, max: 2 });
  try {
    await t.step("PostgreSQL cancels a slow statement", async () => {
      await assert.rejects(impatient`SELECT pg_sleep(2)`, (error: { code?: string }) => {
        assert.equal(error.code, "57014");
        return true;
      });
    });
    await t.step("a route blocked behind a lock answers 503 problem+json", async () => {
      const app = conforming(createApp({
        sql: impatient,
        nats: env.nats,
        logger: silentLogger,
        settings: { apiKeys: [] },
      }));
      const locked = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const holder = env.sql.begin(async (tx) => {
        await tx`LOCK TABLE machines IN ACCESS EXCLUSIVE MODE`;
        locked.resolve();
        await release.promise;
      });
      await locked.promise;
      try {
        const started = performance.now();
        const res = await app.request("/machines");
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        assert.match((await res.json()).detail, /timeout/);
        assert.equal(res.headers.get("retry-after"), "5");
        assert.ok(performance.now() - started < 2000);
      } finally {
        release.resolve();
        await holder;
      }
    });
  } finally {
    await impatient.end();
    await env.close();
  }
});
