import { deepEqual, equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { encodeEvent, sign } from "../events/mod.ts";
import { createLogger } from "../lib/mod.ts";
import { event } from "./_test_events.ts";
import { publishEvents, startTestEnv, waitUntil, workload } from "../testing/mod.ts";
import { testConfig, waitForCheckpoint } from "./_test_stack.ts";
import { decodeBatch } from "./decode_batch.ts";
import { applyBatch, emptyViews } from "./projections/views.ts";
import { readViews } from "./store/read_views.ts";
import { readProjectorHealth } from "./store/status.ts";
import { runProjector } from "./runner.ts";
import type { RawMessage } from "./types.ts";

const logger = createLogger("projector-test", "error");
const KEY = "test-signing-key";

Deno.test("projector in-process against a real stack", async (t) => {
  const env = await startTestEnv({ sql: (url) => postgres(url, { max: 2, onnotice: () => {} }) });
  const { stack, sql, nats: nc } = env;
  const stop = new AbortController();
  const running = runProjector(testConfig(stack, { signingKey: KEY }), stop.signal, { logger });
  try {
    const all: RawMessage[] = [];

    await t.step("every published event lands in every read model, as one clean pass", async () => {
      // given a mixed workload of signed events
      const messages = await publishEvents(nc, workload(5000, { seed: 7 }), { signingKey: KEY });
      all.push(...messages);
      // when the projector has caught up
      await waitForCheckpoint(sql, messages.at(-1)!.seq);
      // then the tables equal the clean in-memory projection of the same messages
      const expected = emptyViews();
      applyBatch(expected, decodeBatch(messages, { signingKey: KEY }));
      deepEqual(await readViews(sql), expected);
      equal(expected.dead_letters.size, 0);
    });

    await t.step(
      "poison messages become dead letters and valid neighbours are projected",
      async () => {
        const text = (s: string) => new TextEncoder().encode(s);
        const valid = event("error", "m-9", "2026-11-23T11:00:00.000Z", {
          code: "E1",
          severity: "error",
          message: "ok",
        });
        const wrongKey = encodeEvent(
          event("power", "m-9", "2026-11-23T11:00:01.000Z", { sampleRateHz: 1, watts: [1] }),
          { signingKey: "not-the-key" },
        );
        const unsigned = encodeEvent(
          event("power", "m-9", "2026-11-23T11:00:02.000Z", { sampleRateHz: 1, watts: [1] }),
        );
        // Poison with a valid signature must fail for its content, not its signature.
        const signed = (subject: string, body: string) => {
          const bytes = text(body);
          const headers = {
            "Nats-Msg-Id": crypto.randomUUID(),
            "Signal-Signature": sign(bytes, KEY),
          };
          return { subject, bytes, headers };
        };
        const before = (await readViews(sql)).errors.size;
        const messages = await publishEvents(nc, [
          valid,
          signed("signals.power.m-9", "{not json"),
          wrongKey,
          unsigned,
          signed("signals.nope.m-9", '{"type":"nope","v":1}'),
          signed("signals.power.m-9", '{"type":"power","v":2}'),
          signed("signals.power.m-9", '{"type":"power","v":1,"id":"x"}'),
          event("state_change", "m-9", "2026-11-23T11:00:03.000Z", { from: null, to: "fault" }),
        ], { signingKey: KEY });
        all.push(...messages);
        await waitForCheckpoint(sql, messages.at(-1)!.seq);
        const views = await readViews(sql);
        const reasons = messages.slice(1, 7).map((m) =>
          views.dead_letters.get(m.seq)?.reason ?? ""
        );
        deepEqual(reasons.map((r) => r.split(":")[0]), [
          "bad_json",
          "bad_signature",
          "missing_signature",
          "unknown_type",
          "unknown_version",
          "schema",
        ]);
        equal(views.errors.size, before + 1);
        equal(views.machines.get("m-9")?.state, "fault");
        deepEqual(views.dead_letters.get(messages[1]!.seq)?.raw, text("{not json"));
      },
    );

    await t.step("health reports lag, rate and dead letters", async () => {
      // The status row is written on a timer: wait until it reports the last batch.
      let health = await readProjectorHealth(sql);
      await waitUntil("a status heartbeat after the last batch", async () => {
        health = await readProjectorHealth(sql);
        return health.projectedTotal >= 5002 && health.lagMessages === 0;
      });
      equal(health.deadLetters, 6);
      equal(health.lagMessages, 0);
      ok(health.projectedTotal >= 5002, `projected ${health.projectedTotal}`);
      ok(health.heartbeatAgeSec !== null && health.heartbeatAgeSec < 5);
      ok(health.lagSeconds !== null && health.lastEventAt === "2026-11-23T11:00:03.000Z");
    });
    await t.step(
      "a checkpoint moved back is read again from there, other projections untouched",
      async () => {
        // given the errors projection rewound by 2000 sequences, its rows after that point gone
        const [row] = await sql<{ seq: string }[]>`
        SELECT last_seq AS seq FROM projection_checkpoints WHERE projection = 'errors'`;
        const back = Number(row!.seq) - 2000;
        await sql.begin(async (tx) => {
          await tx`DELETE FROM errors WHERE seq > ${back}`;
          await tx`UPDATE projection_checkpoints SET last_seq = ${back} WHERE projection = 'errors'`;
        });
        // when more events arrive
        const more = await publishEvents(nc, workload(300, { seed: 9 }), { signingKey: KEY });
        all.push(...more);
        await waitForCheckpoint(sql, more.at(-1)!.seq);
        // then every read model equals one clean pass over everything published
        const expected = emptyViews();
        applyBatch(expected, decodeBatch(all, { signingKey: KEY }));
        deepEqual(await readViews(sql), expected);
      },
    );
  } finally {
    stop.abort();
    await running;
    await env.close();
  }
});
