import { equal } from "node:assert/strict";
import { startTestEnv, waitUntil } from "../testing/mod.ts";
import { watchServerRestart } from "./_restart_watch.ts";

Deno.test("a PostgreSQL restart is noticed by the watch, and an up server is not taken for one", async () => {
  const env = await startTestEnv();
  let restarts = 0;
  const watch = watchServerRestart(env.stack.databaseUrl, () => restarts++, { intervalMs: 100 });
  try {
    // given a watch that has read the server's start time, and probed the unchanged server again
    await watch.ready;
    await new Promise((resolve) => setTimeout(resolve, 500));
    equal(restarts, 0);
    // when the server stops and starts again
    await env.stack.withPostgresDown(() => new Promise((resolve) => setTimeout(resolve, 300)));
    // then the watch calls back, once
    await waitUntil("the restart to be noticed", () => Promise.resolve(restarts > 0), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    equal(restarts, 1);
  } finally {
    await watch.stop();
    await env.close();
  }
});
