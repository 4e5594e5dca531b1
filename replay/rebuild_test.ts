import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { readViews } from "../projector/store/read_views.ts";
import { PROJECTIONS } from "../projector/registry.ts";
import { rebuild } from "./rebuild.ts";
import { cleanViews, projectLive, publish, TEST_KEY } from "./_testing.ts";
import { fleetEvents, silentLogger, startTestEnv, T0 } from "../testing/mod.ts";

Deno.test("a full rebuild equals the live view and a clean projection, row by row", async (t) => {
  const env = await startTestEnv();
  try {
    // given a mixed workload with dead letters, projected live in small batches
    const published = await publish(env.nats, fleetEvents(150, { fromMs: T0 }), {
      poisonEvery: 400,
    });
    await projectLive(env.sql, env.nats);
    const live = await readViews(env.sql);
    const clean = await cleanViews(env.nats);
    ok(live.dead_letters.size > 0, "the workload has dead letters");
    ok(live.failures.size > 0, "the workload has failure episodes");
    deepEqual(live, clean);
    const deps = { sql: env.sql, nats: env.nats, signingKey: TEST_KEY, logger: silentLogger };

    for (const projection of PROJECTIONS) {
      await t.step(`rebuilding ${projection} changes no row`, async () => {
        // when the projection is rebuilt from the start
        const summary = await rebuild(deps, { projection }, { batchSize: 1000 });
        // then every read model equals the live one, and the stream was read once
        equal(summary.eventsRead, published);
        equal(summary.checkpoint, published);
        deepEqual(await readViews(env.sql), clean);
      });
    }

    await t.step("rebuilding all from empty live tables restores every view", async () => {
      // given live tables that lost their rows and dead letters
      await env.sql.unsafe(`TRUNCATE ${PROJECTIONS.join(", ")}, dead_letters;
        UPDATE projection_checkpoints SET last_seq = 0, last_event_at = NULL`);
      // when all is rebuilt
      const summary = await rebuild(deps, { projection: "all" });
      // then every view is back, dead letters included
      equal(summary.deadLetters, clean.dead_letters.size);
      deepEqual(await readViews(env.sql), clean);
      const schemas = await env.sql`SELECT nspname FROM pg_namespace
        WHERE nspname LIKE 'rebuild%' OR nspname LIKE 'retired%'`;
      equal(schemas.length, 0, "no shadow or retired schema is left");
    });

    await t.step(
      "events the live projector commits just before the swap are applied in it",
      async () => {
        let later = 0;
        const summary = await rebuild(deps, { projection: "all" }, {
          // given the live projector commits more events after the rebuild caught up
          beforeSwap: async () => {
            later = await publish(env.nats, fleetEvents(5, { fromMs: T0 + 150_000 }));
            await projectLive(env.sql, env.nats);
          },
        });
        // then the swap applied them to the shadow, and the views equal a clean projection
        equal(summary.gapEvents, later);
        equal(summary.checkpoint, published + later);
        deepEqual(await readViews(env.sql), await cleanViews(env.nats));
      },
    );

    await t.step(
      "a live projector behind the rebuild goes on from the rebuilt checkpoint",
      async () => {
        // given events the live projector has not seen yet
        const more = await publish(env.nats, fleetEvents(5, { fromMs: T0 + 155_000 }), {
          poisonEvery: 50,
        });
        const before = (await readViews(env.sql)).checkpoints.get("errors")!.last_seq;
        // when the rebuild swaps in ahead of it
        const summary = await rebuild(deps, { projection: "power_minutes" });
        equal(summary.gapEvents, 0);
        equal(summary.checkpoint, before + more);
        // then the live projector skips what the rebuild applied and counts nothing twice
        await projectLive(env.sql, env.nats);
        deepEqual(await readViews(env.sql), await cleanViews(env.nats));
      },
    );

    await t.step("a swap blocked by a long query backs off, tries again and succeeds", async () => {
      // given a long query holding the live errors table until the swap has backed off once
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const reader = env.sql.begin(async (tx) => {
        await tx`LOCK TABLE errors IN ACCESS SHARE MODE`;
        locked();
        await held;
      });
      await isLocked;
      // A deadline instead of a wait for ever, should the swap never back off.
      const timer = setTimeout(release, 60_000);
      try {
        // when errors is rebuilt, its swap waits 3 s at most per attempt
        const warnings: string[] = [];
        const logger = {
          ...silentLogger,
          warn: (msg: string) => {
            warnings.push(msg);
            if (/trying again/.test(msg)) release();
          },
        };
        await rebuild({ ...deps, logger }, { projection: "errors" });
        // then it backed off at least once, swapped in after the query, and nothing is lost
        ok(warnings.some((w) => /trying again/.test(w)), "the swap backed off");
        deepEqual(await readViews(env.sql), await cleanViews(env.nats));
      } finally {
        clearTimeout(timer);
        release();
        await reader;
      }
    });

    await t.step("the swapped-in tables keep the live index names", async () => {
      const names = await env.sql<{ indexname: string }[]>`
        SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'machines'
        ORDER BY indexname`;
      deepEqual(names.map((n) => n.indexname), ["machines_pkey", "machines_state"]);
    });

    await t.step("the swapped-in tables keep the live tables' grants", async () => {
      await env.sql`CREATE ROLE api_reader`;
      await env.sql`GRANT SELECT ON errors TO api_reader`;
      await rebuild(deps, { projection: "errors" });
      const [row] = await env.sql`
        SELECT has_table_privilege('api_reader', 'public.errors', 'SELECT') AS can_read,
          has_table_privilege('api_reader', 'public.errors', 'INSERT') AS can_write`;
      deepEqual({ ...row }, { can_read: true, can_write: false });
    });

    await t.step(
      "a view on a live table stops the rebuild before the swap, naming it",
      async () => {
        await env.sql`CREATE VIEW recent_errors AS SELECT * FROM errors WHERE seq > 10`;
        try {
          await env.sql`DELETE FROM errors WHERE seq % 3 = 0`;
          const before = await readViews(env.sql);
          await rejects(rebuild(deps, { projection: "errors" }), /recent_errors \(on errors\)/);
          deepEqual(await readViews(env.sql), before);
        } finally {
          await env.sql`DROP VIEW recent_errors`;
        }
        await rebuild(deps, { projection: "errors" });
        deepEqual(await readViews(env.sql), await cleanViews(env.nats));
      },
    );

    await t.step("no consumer of a rebuild is left on the stream", async () => {
      const consumers = await (await jetstreamManager(env.nats)).consumers.list("SIGNALS").next();
      deepEqual(consumers.map((c) => c.name), []);
    });
  } finally {
    await env.close();
  }
});
