import { deepEqual, notEqual } from "node:assert/strict";
import { withTimeout } from "../lib/mod.ts";
import { readViews } from "../projector/store/read_views.ts";
import { cleanViews, projectLive, publish, shadowProgress, spawnReplay } from "./_testing.ts";
import { fleetEvents, startTestEnv, T0 } from "../testing/mod.ts";

Deno.test("PostgreSQL going down mid-rebuild stops it, live views intact, and a rerun completes", async () => {
  const env = await startTestEnv();
  try {
    // given projected history whose live errors table lost rows
    const published = await publish(env.nats, fleetEvents(300, { fromMs: T0 }), {
      poisonEvery: 500,
    });
    await projectLive(env.sql, env.nats);
    await env.sql`DELETE FROM errors WHERE seq % 2 = 0`;
    const damaged = await readViews(env.sql);
    const stack = { natsUrl: env.stack.natsUrl, databaseUrl: env.stack.databaseUrl };

    // when PostgreSQL stops for a second while a rebuild is halfway
    const child = spawnReplay(stack, ["--projection", "all", "--yes"]);
    const deadline = Date.now() + 60_000;
    while ((await shadowProgress(env.sql, "all")) < published / 2) {
      if (Date.now() > deadline) {
        throw new Error(`the rebuild never got halfway: ${child.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await env.stack.withPostgresDown(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    // (bounded: a rebuild that hangs instead of ending fails here, with its output)
    const code = await withTimeout(
      child.exited,
      60_000,
      () => new Error(`the rebuild did not end: ${child.output()}`),
    ).catch(async (error) => {
      await child.stop("SIGKILL");
      throw error;
    });

    // then the rebuild ended without success, and the live views are as they were
    notEqual(code, 0);
    deepEqual(await readViews(env.sql), damaged);
    // and a rerun clears the leftovers and completes
    const rerun = spawnReplay(stack, ["--projection", "all", "--yes"]);
    deepEqual(await rerun.exited, 0, rerun.output());
    deepEqual(await readViews(env.sql), await cleanViews(env.nats));
  } finally {
    await env.close();
  }
});
