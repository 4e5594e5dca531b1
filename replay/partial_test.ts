import { deepEqual, equal, match, ok } from "node:assert/strict";
import { readViews } from "../projector/store/read_views.ts";
import type { Sql } from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { type ProjectionName, PROJECTIONS } from "../projector/registry.ts";
import { uuidV7 } from "../events/mod.ts";
import { rebuild } from "./rebuild.ts";
import { seqAtTime } from "./stream_reader.ts";
import { cleanViews, projectLive, publish, TEST_KEY } from "./_testing.ts";
import { fleetEvents, silentLogger, startTestEnv, T0 } from "../testing/mod.ts";

/** Damages what events at or after `point` produced in `table`, as a bad deploy would have. */
async function damageFrom(sql: Sql, point: number, table: ProjectionName) {
  const damage: Record<ProjectionName, () => Promise<unknown>> = {
    machines: () => sql`UPDATE machines SET energy_uj = energy_uj + 1, state = 'idle'`,
    power_minutes: () =>
      sql`UPDATE power_minutes SET sum_mw = sum_mw + 7, max_w = max_w + 1
        WHERE last_seq >= ${point}`,
    state_changes: () => sql`DELETE FROM state_changes WHERE seq >= ${point}`,
    errors: () => sql`UPDATE errors SET message = 'wrong' WHERE seq >= ${point}`,
    error_minutes: () =>
      sql`UPDATE error_minutes SET errors = errors + 3 WHERE last_seq >= ${point}`,
    sensor_readings: () => sql`DELETE FROM sensor_readings WHERE seq >= ${point}`,
    xray_scans: () => sql`UPDATE xray_scans SET point_count = 0 WHERE seq >= ${point}`,
    failures: () =>
      sql`UPDATE failures SET peak_progress = 5 WHERE end_seq IS NULL OR end_seq >= ${point}`,
  };
  await damage[table]();
}

Deno.test("a rebuild from a point in the middle of history equals a full rebuild", async (t) => {
  const env = await startTestEnv();
  try {
    // given two stretches of history stored a moment apart, projected live
    await publish(env.nats, fleetEvents(120, { fromMs: T0 }), { poisonEvery: 300 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await publish(env.nats, fleetEvents(120, { fromMs: T0 + 120_000, seed: 8 }), {
      poisonEvery: 300,
    });
    await projectLive(env.sql, env.nats);
    const clean = await cleanViews(env.nats);
    deepEqual(await readViews(env.sql), clean);
    const deps = { sql: env.sql, nats: env.nats, signingKey: TEST_KEY, logger: silentLogger };
    // A point inside a failure episode, so one episode and its minutes straddle it.
    const episode = [...clean.failures.values()].find((f) =>
      f.end_seq !== null && f.end_seq - f.start_seq > 20
    )!;
    ok(episode, "the workload has a long enough failure episode");
    const inside = Math.floor((episode.start_seq + episode.end_seq!) / 2);

    for (const projection of PROJECTIONS) {
      await t.step(
        `--from-seq repairs ${projection} after the point and keeps the rest`,
        async () => {
          // given damage to what events from the point produced
          await damageFrom(env.sql, inside, projection);
          // when the projection is rebuilt from the point
          const summary = await rebuild(deps, { projection, fromSeq: inside });
          // then it is partial (machines excepted) and equals the clean projection
          const plan = summary.plans[0]!;
          equal(plan.mode, projection === "machines" ? "full" : "partial", plan.reason);
          equal(plan.fromSeq, projection === "machines" ? 1 : inside);
          const views = await readViews(env.sql);
          deepEqual(views[projection], clean[projection]);
        },
      );
    }

    await t.step("--from-time rebuilds all from the first event stored at that time", async () => {
      const point = await seqAtTime(env.nats, between);
      ok(point > 1 && point < clean.checkpoints.get("errors")!.last_seq);
      for (const p of PROJECTIONS) await damageFrom(env.sql, point, p);
      const summary = await rebuild(deps, { projection: "all", fromTime: between.toISOString() });
      for (const plan of summary.plans) if (plan.mode === "partial") equal(plan.fromSeq, point);
      equal(summary.eventsRead, clean.checkpoints.get("errors")!.last_seq, "machines read it all");
      deepEqual(await readViews(env.sql), clean);
    });

    await t.step(
      "a late power event for an early minute gets that whole minute recomputed",
      async () => {
        // given a power event stored last but sampled in the first minute of the history
        const late = {
          id: uuidV7(T0 + 30_000, Math.random),
          type: "power" as const,
          v: 1 as const,
          machineId: "m-001",
          occurredAt: new Date(T0 + 30_000).toISOString(),
          data: { sampleRateHz: 100, watts: [1, 2, 3, 4000] },
        };
        await publish(env.nats, [late]);
        await projectLive(env.sql, env.nats);
        const last = (await readViews(env.sql)).checkpoints.get("power_minutes")!.last_seq;
        await damageFrom(env.sql, last, "power_minutes");
        // when power_minutes is rebuilt from that event alone
        const summary = await rebuild(deps, { projection: "power_minutes", fromSeq: last });
        // then it is partial, and the early minute holds all its samples again
        equal(summary.plans[0]!.mode, "partial", summary.plans[0]!.reason);
        const expected = await cleanViews(env.nats);
        deepEqual((await readViews(env.sql)).power_minutes, expected.power_minutes);
        Object.assign(clean, expected);
      },
    );

    await t.step(
      "a failure episode that does not replay as open makes it a full rebuild",
      async () => {
        // given a live episode across the point whose type the stream does not bear out
        await env.sql`UPDATE failures SET type = 'made-up' WHERE start_seq = ${episode.start_seq}`;
        // when failures is rebuilt from inside it
        const summary = await rebuild(deps, { projection: "failures", fromSeq: inside });
        // then the rebuild went full, and says why
        equal(summary.plans[0]!.mode, "full");
        match(summary.plans[0]!.reason!, /does not replay as open/);
        deepEqual((await readViews(env.sql)).failures, clean.failures);
      },
    );

    await t.step("a partial rebuild reads only from the point", async () => {
      const last = clean.checkpoints.get("errors")!.last_seq;
      const summary = await rebuild(deps, { projection: "state_changes", fromSeq: last - 100 });
      equal(summary.eventsRead, 101);
      deepEqual(await readViews(env.sql), clean);
    });

    await t.step("the scans and the by-time lookup leave no consumer behind", async () => {
      const consumers = await (await jetstreamManager(env.nats)).consumers.list("SIGNALS").next();
      deepEqual(consumers.map((c) => c.name), []);
    });
  } finally {
    await env.close();
  }
});
