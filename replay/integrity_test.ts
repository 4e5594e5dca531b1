/**
 * Issue 11's findings 1–4, against a real NATS and PostgreSQL: every event counted once whenever
 * it arrives, a second body under a known id dead-lettered, extreme but valid values stored
 * safely, and one event the database refuses never taking later events down — live and in a
 * rebuild.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { encodeEvent, ensureStream, type SignalEvent, toNatsHeaders } from "../events/mod.ts";
import { type MemoryViews, PROJECTIONS, readViews, runProjector } from "../projector/mod.ts";
import { rebuild } from "./rebuild.ts";
import { publish, TEST_KEY } from "./_testing.ts";
import {
  fleetEvents,
  silentLogger as quiet,
  startTestEnv,
  type TestEnv as ReplayEnv,
} from "../testing/mod.ts";

const T0 = Date.parse("2026-11-23T10:00:00.000Z");

/** The seven read models of a view, without the bookkeeping. */
function readModels(views: MemoryViews) {
  return Object.fromEntries(PROJECTIONS.map((p) => [p, views[p]]));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the live projector until `body` ends, then stops it. */
async function withLiveProjector(env: ReplayEnv, body: () => Promise<void>) {
  const stop = new AbortController();
  const running = runProjector(
    {
      natsUrl: env.stack.natsUrl,
      databaseUrl: env.stack.databaseUrl,
      signingKey: TEST_KEY,
      batchSize: 500,
      lingerMs: 5,
      consumerName: "projector",
      statusIntervalMs: 1000,
    },
    stop.signal,
    { logger: quiet },
  );
  try {
    await body();
  } finally {
    stop.abort();
    await running;
  }
}

/** Waits until every projection's checkpoint is at the stream's last sequence. */
async function caughtUp(env: ReplayEnv) {
  const jsm = await jetstreamManager(env.nats);
  const last = (await jsm.streams.info("SIGNALS")).state.last_seq;
  await until(`checkpoints at ${last}`, async () => {
    const [row] = await env.sql<{ n: string }[]>`
      SELECT min(last_seq) AS n FROM projection_checkpoints`;
    return Number(row?.n ?? 0) >= last;
  });
}

/** Publishes exact bytes with headers; returns whether the stream called it a duplicate. */
async function publishRaw(env: ReplayEnv, m: ReturnType<typeof encodeEvent>) {
  const ack = await jetstream(env.nats).publish(m.subject, m.bytes, {
    headers: toNatsHeaders(m.headers),
  });
  return ack.duplicate;
}

const rebuildAll = (env: ReplayEnv, request: { fromSeq?: number } = {}) =>
  rebuild(
    { sql: env.sql, nats: env.nats, signingKey: TEST_KEY, logger: quiet },
    { projection: "all", ...request },
    { batchSize: 700 },
  );

Deno.test("events re-published after the duplicate window change no read model, live or rebuilt", async (t) => {
  const env = await startTestEnv();
  try {
    // given a stream whose duplicate window is 2 s, and 10k events projected live
    await ensureStream(await jetstreamManager(env.nats), { duplicateWindowMs: 2000 });
    const events = fleetEvents(330, { fromMs: T0 });
    ok(events.length >= 10_000, `${events.length} events`);
    const original = events.slice(0, 10_000);
    await publish(env.nats, original);
    let before: ReturnType<typeof readModels> | undefined;
    await withLiveProjector(env, async () => {
      await caughtUp(env);
      before = readModels(await readViews(env.sql));

      // when, past the window, 1k are re-published byte for byte and 100 under new message ids
      const copies = original.filter((_, i) => i % 10 === 3).slice(0, 1000);
      const renamed = original.filter((_, i) => i % 97 === 5).slice(0, 100);
      // The last copy was published last: once its window has passed, every copy's has.
      const last = encodeEvent(copies.at(-1)!, { signingKey: TEST_KEY });
      await until("the duplicate window to pass", async () => !(await publishRaw(env, last)));
      for (const e of copies.slice(0, -1)) {
        equal(await publishRaw(env, encodeEvent(e, { signingKey: TEST_KEY })), false);
      }
      for (const e of renamed) {
        const m = encodeEvent(e, { signingKey: TEST_KEY });
        m.headers["Nats-Msg-Id"] = crypto.randomUUID();
        equal(await publishRaw(env, m), false);
      }
      await caughtUp(env);
    });

    await t.step("live: all seven read models are unchanged", async () => {
      const live = await readViews(env.sql);
      deepEqual(readModels(live), before);
      equal(live.dead_letters.size, 0);
    });
    await t.step("after a full rebuild they are still unchanged", async () => {
      await rebuildAll(env);
      deepEqual(readModels(await readViews(env.sql)), before);
    });
    await t.step("after a rebuild from a point among the copies too", async () => {
      await rebuildAll(env, { fromSeq: 10_500 });
      deepEqual(readModels(await readViews(env.sql)), before);
    });
  } finally {
    await env.close();
  }
});

Deno.test("a second body under a known event id is dead-lettered and every read model keeps the first", async () => {
  const env = await startTestEnv();
  try {
    const base = fleetEvents(30, { fromMs: T0 });
    const first: SignalEvent = {
      id: crypto.randomUUID(),
      type: "state_change",
      v: 1,
      machineId: "m-001",
      occurredAt: new Date(T0 + 31_000).toISOString(),
      data: { from: null, to: "running" },
    };
    const second: SignalEvent = { ...first, data: { from: "running", to: "fault" } };
    await publish(env.nats, [...base, first]);
    let expected: ReturnType<typeof readModels> | undefined;
    await withLiveProjector(env, async () => {
      await caughtUp(env);
      expected = readModels(await readViews(env.sql));
      equal((expected.machines as Map<string, { state: string }>).get("m-001")?.state, "running");
      // The body differs, so its message id must too for the stream to store it at once.
      const m = encodeEvent(second, { signingKey: TEST_KEY });
      m.headers["Nats-Msg-Id"] = crypto.randomUUID();
      equal(await publishRaw(env, m), false);
      await caughtUp(env);
    });
    const check = async () => {
      const views = await readViews(env.sql);
      deepEqual(readModels(views), expected);
      const dead = [...views.dead_letters.values()];
      equal(dead.length, 1);
      ok(dead[0]!.reason.startsWith("conflicting_duplicate:"), dead[0]!.reason);
    };
    await check();
    await rebuildAll(env);
    await check();
  } finally {
    await env.close();
  }
});

Deno.test("extreme values are refused or stored safely, and the machine's later events still project", async (t) => {
  const env = await startTestEnv();
  try {
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    const power = (s: number, sampleRateHz: number, watts: number[]): SignalEvent => ({
      id: crypto.randomUUID(),
      type: "power",
      v: 1,
      machineId: "m-009",
      occurredAt: at(s),
      data: { sampleRateHz, watts },
    });
    // The event of the finding: valid JSON, signed, 9.2e18 µJ in one sample.
    const poison = power(1, 1.0842022127501886e-7, [1_000_000]);
    // The most a valid event may carry: 1 MW for an hour at the slowest rate.
    const largest = power(2, 0.01, Array(37).fill(1_000_000));
    const later = [power(4000, 100, [500, 510]), power(4001, 100, [520])];
    await publish(env.nats, [poison, largest, ...later]);
    await withLiveProjector(env, () => caughtUp(env));

    await t.step(
      "the poison is dead-lettered naming the bound, the largest is stored",
      async () => {
        const views = await readViews(env.sql);
        const dead = [...views.dead_letters.values()];
        equal(dead.length, 1);
        ok(/^schema: .*sampleRateHz/.test(dead[0]!.reason), dead[0]!.reason);
        const machine = views.machines.get("m-009")!;
        equal(machine.last_power_w, 520);
        // 37 samples of 1e9 mW for 100 s each, then 1,530 W for 10 ms each (integer µJ).
        equal(machine.energy_uj, 3_700_000_000_000_000 + 15_300_000);
      },
    );
    await t.step("energy totals past the old bigint limit still add up", async () => {
      // given a machine whose history already holds 1e10 µJ short of bigint's limit
      const energy = async () =>
        BigInt(
          (await env.sql<{ e: string }[]>`
            SELECT energy_uj::text AS e FROM machines WHERE machine_id = 'm-009'`)[0]!.e,
        );
      const real = await energy();
      const near = 9_223_372_036_854_775_807n - 10_000_000_000n;
      await env.sql`UPDATE machines SET energy_uj = ${near.toString()}::numeric
        WHERE machine_id = 'm-009'`;
      // when 3 samples of 1 MW at 100 Hz (3e10 µJ) come in
      await publish(env.nats, [power(4002, 100, [1_000_000, 1_000_000, 1_000_000])]);
      await withLiveProjector(env, () => caughtUp(env));
      // then the total is exact past the limit, where bigint refused this and every later event
      equal(await energy(), near + 30_000_000_000n);
      const [dead] = await env.sql<{ n: string }[]>`SELECT count(*) AS n FROM dead_letters`;
      equal(Number(dead?.n), 1);
      await env.sql`UPDATE machines SET energy_uj = ${(real + 30_000_000_000n).toString()}::numeric
        WHERE machine_id = 'm-009'`;
    });
    await t.step("a full rebuild succeeds and equals the live views", async () => {
      const live = readModels(await readViews(env.sql));
      await rebuildAll(env);
      deepEqual(readModels(await readViews(env.sql)), live);
    });
  } finally {
    await env.close();
  }
});

Deno.test("an event the database refuses is dead-lettered, live and in a rebuild, and the rest projects", async () => {
  const env = await startTestEnv();
  try {
    // given a database rule that one valid event breaks (as a constraint added by an operator)
    await env.sql`ALTER TABLE errors ADD CONSTRAINT no_poison CHECK (code <> 'POISON')`;
    const events = fleetEvents(60, { fromMs: T0 });
    const poison: SignalEvent = {
      id: crypto.randomUUID(),
      type: "error",
      v: 1,
      machineId: "m-001",
      occurredAt: new Date(T0 + 30_000).toISOString(),
      data: { code: "POISON", severity: "error", message: "refused by the database" },
    };
    const half = Math.floor(events.length / 2);
    await publish(env.nats, [...events.slice(0, half), poison, ...events.slice(half)]);
    await withLiveProjector(env, () => caughtUp(env));
    const live = await readViews(env.sql);
    const dead = [...live.dead_letters.values()];
    equal(dead.length, 1);
    ok(dead[0]!.reason.startsWith("rejected_by_database:"), dead[0]!.reason);
    equal(live.errors.size, events.filter((e) => e.type === "error").length);
    // when everything is rebuilt, small batches so the refused one sits among many
    await rebuildAll(env);
    // then the rebuild completes with the same views, the refusal dead-lettered again
    deepEqual(await readViews(env.sql), live);
  } finally {
    await env.close();
  }
});
