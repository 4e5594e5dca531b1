import { deepEqual, equal } from "node:assert/strict";
import postgres from "postgres";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { ensureStream } from "../events/mod.ts";
import { type Logger, sleep } from "../lib/mod.ts";
import { publishAll, testConfig, waitForCheckpoint, workload } from "./_test_stack.ts";
import { decodeBatch } from "./decode_batch.ts";
import { migrate } from "./migrate.ts";
import { applyBatch, emptyViews } from "./projections/views.ts";
import { readViews } from "./store/read_views.ts";
import { runProjector } from "./runner.ts";
import type { RawMessage } from "./types.ts";

/** A logger that keeps its records, to check what was logged and how often. */
function recordingLogger(): Logger & { records: { level: string; msg: string }[] } {
  const records: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => void records.push({ level, msg });
  return { records, debug: () => {}, info: at("info"), warn: at("warn"), error: at("error") };
}

Deno.test("projector rides out PostgreSQL and NATS outages without losing or doubling", async () => {
  const stack = await startTestStack();
  const nc = await connect({
    servers: stack.natsUrl,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  const logger = recordingLogger();
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  try {
    const js = jetstream(nc);
    await ensureStream(await jetstreamManager(nc));
    await migrate(sql);
    running = runProjector(testConfig(stack, { batchSize: 200 }), stop.signal, { logger });
    const events = workload(20_000, { seed: 3 });
    const published: RawMessage[] = [];

    // given events published steadily while PostgreSQL is stopped for three seconds
    const publishing = (async () => {
      for (let i = 0; i < 10_000; i += 500) {
        published.push(...(await publishAll(js, events.slice(i, i + 500))));
        await sleep(100);
      }
    })();
    await sleep(500);
    await stack.withPostgresDown(() => sleep(3000));
    await publishing;
    await waitForCheckpoint(sql, published.at(-1)!.seq, 30_000);

    // and then a backlog interrupted by a killed and restarted nats-server
    published.push(...(await publishAll(js, events.slice(10_000))));
    await stack.restartNats({ kill: true });
    await waitForCheckpoint(sql, published.at(-1)!.seq, 30_000);

    // then the views equal one clean pass over the same events
    const expected = emptyViews();
    applyBatch(expected, decodeBatch(published));
    deepEqual(await readViews(sql), expected);
    // and the outage was logged once when it began and once when it ended
    const pg = logger.records.filter((r) => r.msg.startsWith("postgres"));
    deepEqual(pg.map((r) => r.msg), [
      "postgres unavailable; retrying with backoff",
      "postgres is back",
    ]);
  } finally {
    stop.abort();
    await running;
    await nc.close();
    await sql.end();
    await stack.stop();
  }
  equal(logger.records.at(-1)?.msg, "projector stopped");
});
