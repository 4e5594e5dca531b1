/** Fills the log to the size the replay and API rows are measured at. */
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { ensureStream, STREAM_NAME } from "../events/mod.ts";
import { connectNats, createLogger } from "../lib/mod.ts";
import { runProducer } from "../producer/mod.ts";
import type { BenchContext } from "./context.ts";
import { waitCaughtUp } from "./live.ts";
import { startService } from "./services.ts";
import type { BenchRow } from "./table.ts";

/** Backfills until the log holds `sizes.logEvents` events and the projector has caught up. */
export async function topUp(context: BenchContext): Promise<BenchRow[]> {
  const { stack } = context;
  // A run of some steps only (`--only`) has no projector from the live step.
  if (!context.services.has("projector")) {
    context.services.set(
      "projector",
      await startService("projector", { NATS_URL: stack.natsUrl, DATABASE_URL: stack.databaseUrl }),
    );
  }
  const nc = await connectNats(stack.natsUrl, { name: "bench-top-up" });
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const jsm = await jetstreamManager(nc);
    // A run of some steps only (`--only`) has not published the stream into being.
    await ensureStream(jsm);
    const { state } = await jsm.streams.info(STREAM_NAME);
    const missing = context.sizes.logEvents - state.messages;
    if (missing > 0) {
      console.error(`bench: backfilling ${missing} events…`);
      const fromMs = Date.UTC(2026, 10, 1);
      await runProducer(stack.natsUrl, { machines: 10, seed: 11, fromMs, count: missing }, {
        logger: createLogger("producer", "error"),
      });
    }
    await waitCaughtUp(jsm, sql);
  } finally {
    await sql.end();
    await nc.close();
  }
  return [];
}
