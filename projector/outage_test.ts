import { deepEqual, equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { sleep } from "../lib/mod.ts";
import { memoryLogger, publishEvents, startTestEnv, workload } from "../testing/mod.ts";
import { testConfig, waitForCheckpoint } from "./_test_stack.ts";
import { decodeBatch } from "./decode_batch.ts";
import { applyBatch, emptyViews } from "./projections/views.ts";
import { readViews } from "./store/read_views.ts";
import { runProjector } from "./runner.ts";
import type { RawMessage } from "./types.ts";

Deno.test("projector rides out PostgreSQL and NATS outages without losing or doubling", async () => {
  const env = await startTestEnv({ sql: (url) => postgres(url, { max: 2, onnotice: () => {} }) });
  const { stack, sql, nats: nc } = env;
  const logger = memoryLogger("info");
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  try {
    running = runProjector(testConfig(stack, { batchSize: 200 }), stop.signal, { logger });
    const events = workload(20_000, { seed: 3 });
    const published: RawMessage[] = [];

    // given events published steadily while PostgreSQL is stopped for three seconds
    const publishing = (async () => {
      for (let i = 0; i < 10_000; i += 500) {
        published.push(...(await publishEvents(nc, events.slice(i, i + 500))));
        await sleep(100);
      }
    })();
    await sleep(500);
    await stack.withPostgresDown(() => sleep(3000));
    await publishing;
    await waitForCheckpoint(sql, published.at(-1)!.seq, 90_000);

    // and then a backlog interrupted by a killed and restarted nats-server
    published.push(...(await publishEvents(nc, events.slice(10_000))));
    await stack.restartNats({ kill: true });
    await waitForCheckpoint(sql, published.at(-1)!.seq, 90_000);

    // then the views equal one clean pass over the same events
    const expected = emptyViews();
    applyBatch(expected, decodeBatch(published));
    deepEqual(await readViews(sql), expected);
    // and the outage was logged when it began and when it ended, not once per retry: on a busy
    // machine two call sites (fetch and commit) can each meet the one outage, so whole pairs
    const pg = logger.lines.filter((r) => r.msg.startsWith("postgres")).map((r) => r.msg);
    ok(pg.length >= 2 && pg.length % 2 === 0, `begin/end pairs: ${JSON.stringify(pg)}`);
    deepEqual(
      pg,
      pg.map((_, i) =>
        i % 2 === 0 ? "postgres unavailable; retrying with backoff" : "postgres is back"
      ),
    );
  } finally {
    stop.abort();
    await running;
    await env.close();
  }
  equal(logger.lines.at(-1)?.msg, "projector stopped");
});
