/** Row 1: the producer's publish path against a plain acked JetStream publish loop. */
import { jetstreamManager } from "@nats-io/jetstream";
import { encodeEvent, ensureStream } from "../events/mod.ts";
import { connectNats, createLogger } from "../lib/mod.ts";
import {
  DEFAULT_PRODUCER_CONFIG,
  DEFAULT_SENSOR_PROFILE,
  fleetOf,
  generateEvents,
  runProducer,
} from "../producer/mod.ts";
import { plainPublishLoop } from "./jetstream_baselines.ts";
import type { BenchContext } from "./context.ts";
import type { BenchRow } from "./table.ts";

const FROM_MS = Date.UTC(2026, 10, 20);
const quiet = createLogger("bench", "error");

function encodeFleet(seed: number, count: number) {
  const generator = generateEvents(
    fleetOf({ machines: 100, seed }, DEFAULT_SENSOR_PROFILE),
    { fromMs: FROM_MS, toMs: FROM_MS + 86_400_000 },
  );
  const encoded = [];
  let samples = 0;
  for (const event of generator) {
    if (encoded.length >= count) break;
    if (event.type === "power") samples += event.data.watts.length;
    encoded.push(encodeEvent(event));
  }
  return { encoded, samples };
}

/**
 * Publishes `sizes.publishEvents` events of a 100-machine backfill both ways, on the same stream;
 * keeps the plain loop's rate as the baseline of the live row.
 */
export async function publishRows(context: BenchContext): Promise<BenchRow[]> {
  const natsUrl = context.stack.natsUrl;
  const events = context.sizes.publishEvents;
  const window = DEFAULT_PRODUCER_CONFIG.maxInFlight;
  const fleet = {
    machines: 100,
    sensorDataFile: null,
    fromMs: FROM_MS,
    toMs: FROM_MS + 86_400_000,
  };

  const nc = await connectNats(natsUrl, { name: "bench-baseline" });
  await ensureStream(await jetstreamManager(nc));
  // Warm up the client and the stream first, so neither side pays for a cold start.
  await plainPublishLoop(nc, encodeFleet(3, 20_000).encoded, window);
  // Another seed than the producer's, so no event id repeats and none is dropped as a duplicate.
  const { encoded, samples } = encodeFleet(2, events);
  const baselineRate = await plainPublishLoop(nc, encoded, window);
  await nc.close();
  context.baselines.publishEventsPerSec = baselineRate;
  const samplesPerEvent = samples / encoded.length;

  const counts = await runProducer(natsUrl, { ...fleet, seed: 1, count: events }, {
    logger: quiet,
  });
  const seconds = counts.elapsedMs / 1000;
  const rate = counts.published / seconds;
  return [
    {
      id: "1a",
      what: `Publish: producer backfill, ${counts.published.toLocaleString("en-US")} events`,
      value: rate,
      unit: "events/s",
      basis: { kind: "event rate", count: counts.published, of: "events" },
      baseline: baselineRate,
      baselineWhat: `plain acked publish loop, window ${window}`,
      target: "≥ 0.8× baseline",
      targetMet: rate >= 0.8 * baselineRate,
    },
    {
      id: "1b",
      what: "Publish: producer backfill, power samples",
      value: counts.samples / seconds,
      unit: "samples/s",
      basis: { kind: "event rate", count: counts.published, of: "events" },
      baseline: baselineRate * samplesPerEvent,
      baselineWhat: "same loop × samples per event",
      target: "≥ 0.8× baseline",
      targetMet: counts.samples / seconds >= 0.8 * baselineRate * samplesPerEvent,
    },
  ];
}
