/** Helpers for the projector's integration tests: a workload, publishing, waiting for progress. */
import type { Sql } from "postgres";
import { lowestCheckpoint as lowestCheckpointOf } from "./store/checkpoints.ts";
import { PROJECTIONS } from "./registry.ts";
import { headers as natsHeaders } from "@nats-io/nats-core";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type EncodedEvent, encodeEvent, type SignalEvent, uuidV7 } from "../events/mod.ts";
import { sleep } from "../lib/mod.ts";
import type { ProjectorConfig } from "./config.ts";
import type { RawMessage } from "./types.ts";

/** A seeded source of numbers in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` events of `machines` machines, 100 ms apart per machine, mostly 100 Hz power batches,
 * with state changes, errors, sensor readings with failure episodes, and x-ray scans.
 */
export function workload(
  count: number,
  options: { seed?: number; machines?: number; startMs?: number } = {},
): SignalEvent[] {
  const random = seeded(options.seed ?? 1);
  const machines = options.machines ?? 10;
  const start = options.startMs ?? Date.parse("2026-11-23T10:00:00.000Z");
  const failing = new Map<string, number>();
  const events: SignalEvent[] = [];
  for (let i = 0; i < count; i++) {
    const machineId = `m-${String(i % machines).padStart(3, "0")}`;
    const ms = start + Math.floor(i / machines) * 100 + Math.floor(random() * 20);
    const occurredAt = new Date(ms).toISOString();
    const envelope = { id: uuidV7(ms, random), v: 1 as const, machineId, occurredAt };
    const roll = random();
    if (roll < 0.04) {
      const to = (["running", "idle", "stopped", "fault"] as const)[Math.floor(random() * 4)]!;
      events.push({ ...envelope, type: "state_change", data: { from: null, to } });
    } else if (roll < 0.06) {
      const severity =
        (["info", "warning", "error", "critical"] as const)[Math.floor(random() * 4)]!;
      events.push({
        ...envelope,
        type: "error",
        data: { code: `E${Math.floor(random() * 9)}`, severity, message: "simulated" },
      });
    } else if (roll < 0.14) {
      let progress = failing.get(machineId);
      if (progress === undefined && random() < 0.1) progress = 0;
      else if (progress !== undefined) progress = progress + random() * 0.3;
      if (progress !== undefined && progress > 1) progress = undefined;
      if (progress === undefined) failing.delete(machineId);
      else failing.set(machineId, progress);
      events.push({
        ...envelope,
        type: "sensor",
        data: {
          readings: { temp: 40 + random() * 10, vibration: random() },
          failure: progress === undefined ? null : { type: "bearing", progress },
        },
      });
    } else if (roll < 0.145) {
      const dataPoints = Array.from(
        { length: 20 },
        (_, k) =>
          [k * 50, [50 + random(), 8 + random(), random() * 30]] as [
            number,
            [number, number, number],
          ],
      );
      events.push({ ...envelope, type: "xray", data: { dataPoints } });
    } else {
      const watts = Array.from({ length: 10 }, () => Math.round(random() * 500_000) / 100);
      events.push({ ...envelope, type: "power", data: { sampleRateHz: 100, watts } });
    }
  }
  return events;
}

/** Something to publish: an event (encoded here), or an already encoded message (maybe poison). */
export type Publishable = SignalEvent | EncodedEvent;

/** Publishes in order (with many in flight) and returns the messages as stored, with sequences. */
export async function publishAll(
  js: JetStreamClient,
  items: readonly Publishable[],
  options: { signingKey?: string; inFlight?: number } = {},
): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  const inFlight = options.inFlight ?? 500;
  for (let i = 0; i < items.length; i += inFlight) {
    const chunk = items.slice(i, i + inFlight).map((item) => {
      const encoded = "bytes" in item
        ? item
        : encodeEvent(item, { signingKey: options.signingKey });
      const h = natsHeaders();
      for (const [k, v] of Object.entries(encoded.headers)) h.set(k, v);
      return { encoded, ack: js.publish(encoded.subject, encoded.bytes, { headers: h }) };
    });
    for (const { encoded, ack } of chunk) {
      const { seq } = await ack;
      out.push({ seq, subject: encoded.subject, data: encoded.bytes, headers: encoded.headers });
    }
  }
  return out;
}

/** The lowest checkpoint of all registered projections (0 before any batch). */
export function lowestCheckpoint(sql: Sql): Promise<number> {
  return lowestCheckpointOf(sql, PROJECTIONS);
}

/** Waits until every projection has reached `seq`; throws after `timeoutMs`. */
export async function waitForCheckpoint(sql: Sql, seq: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let reached = 0;
    try {
      reached = await lowestCheckpoint(sql);
    } catch {
      // PostgreSQL may be down on purpose.
    }
    if (reached >= seq) return;
    if (Date.now() > deadline) throw new Error(`Checkpoint stuck at ${reached}, expected ${seq}`);
    await sleep(50);
  }
}

/** A projector configuration for a test stack. */
export function testConfig(
  stack: { natsUrl: string; databaseUrl: string },
  overrides: Partial<ProjectorConfig> = {},
): ProjectorConfig {
  return {
    natsUrl: stack.natsUrl,
    databaseUrl: stack.databaseUrl,
    batchSize: 1000,
    lingerMs: 10,
    consumerName: "projector",
    statusIntervalMs: 200,
    logLevel: "warn",
    ...overrides,
  };
}
