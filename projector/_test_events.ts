/** Event builders and fast-check arbitraries shared by the projector's tests. */
import fc from "fast-check";
import { encodeEvent, type SignalEvent } from "../events/mod.ts";
import { testEvent as event } from "../testing/mod.ts";
import type { RawMessage, StreamEvent } from "./types.ts";

/** Hand-built events come from the test kit; `event` is its `testEvent`. */
export { testEvent as event, testId } from "../testing/mod.ts";

/** Events numbered as the stream would store them, from `firstSeq`. */
export function sequenced(events: readonly SignalEvent[], firstSeq = 1): StreamEvent[] {
  return events.map((e, i) => ({ seq: firstSeq + i, event: e }));
}

/** Events encoded as stream messages, from `firstSeq`. */
export function asMessages(
  events: readonly (SignalEvent | Uint8Array)[],
  options: { firstSeq?: number; signingKey?: string } = {},
): RawMessage[] {
  return events.map((e, i) => {
    const seq = (options.firstSeq ?? 1) + i;
    if (e instanceof Uint8Array) return { seq, subject: "signals.power.bad", data: e, headers: {} };
    const encoded = encodeEvent(e, { signingKey: options.signingKey });
    return { seq, subject: encoded.subject, data: encoded.bytes, headers: encoded.headers };
  });
}

const BASE_MS = Date.parse("2026-11-23T10:00:00.000Z");
const machineId = fc.constantFrom("m-1", "m-2", "m-3");
// Offsets of a few minutes, so events straddle minute boundaries and arrive out of order.
const occurredAt = fc.integer({ min: 0, max: 4 * 60_000 }).map((ms) =>
  new Date(BASE_MS + ms).toISOString()
);
const watt = fc.oneof(
  fc.integer({ min: -50, max: 5000 }),
  fc.double({ min: -100, max: 5000, noNaN: true, noDefaultInfinity: true }),
);
const text = fc.string({ maxLength: 12, unit: "grapheme" });

/** Any valid event of a few machines within a few minutes. */
export const anyEvent: fc.Arbitrary<SignalEvent> = fc.oneof(
  fc.record({
    m: machineId,
    at: occurredAt,
    from: fc.option(fc.constantFrom("running", "idle", "stopped", "fault" as const)),
    to: fc.constantFrom("running", "idle", "stopped", "fault" as const),
  }).map(({ m, at, from, to }) => event("state_change", m, at, { from, to })),
  fc.record({
    m: machineId,
    at: occurredAt,
    code: fc.constantFrom("E1", "E2", "OVERHEAT"),
    severity: fc.constantFrom("info", "warning", "error", "critical" as const),
    message: text,
  }).map(({ m, at, code, severity, message }) =>
    event("error", m, at, { code, severity, message })
  ),
  fc.record({
    m: machineId,
    at: occurredAt,
    rate: fc.constantFrom(1, 3, 7, 100),
    watts: fc.array(watt, { minLength: 1, maxLength: 40 }),
  }).map(({ m, at, rate, watts }) => event("power", m, at, { sampleRateHz: rate, watts })),
  fc.record({
    m: machineId,
    at: occurredAt,
    temp: fc.double({ min: -20, max: 120, noNaN: true }),
    failure: fc.option(
      fc.record({
        type: fc.constantFrom("bearing", "overheat"),
        progress: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { freq: 2 },
    ),
  }).map(({ m, at, temp, failure }) =>
    event("sensor", m, at, { readings: { temp, vibration: 1.5 }, failure })
  ),
  fc.record({
    m: machineId,
    at: occurredAt,
    points: fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 10_000 }),
        fc.tuple(
          fc.double({ min: -90, max: 90, noNaN: true }),
          fc.double({ min: -180, max: 180, noNaN: true }),
          fc.double({ min: 0, max: 50, noNaN: true }),
        ),
      ),
      { minLength: 1, maxLength: 5 },
    ),
  }).map(({ m, at, points }) => event("xray", m, at, { dataPoints: points })),
);

/** Bytes that are not a valid event. */
export const anyPoison: fc.Arbitrary<Uint8Array> = fc.constantFrom(
  "{not json",
  '{"type":"nope","v":1}',
  '{"type":"power","v":2}',
  '{"type":"power","v":1,"id":"x"}',
).map((s) => new TextEncoder().encode(s));

/** A stream of messages: mostly valid events, some poison. */
export const anyStream: fc.Arbitrary<RawMessage[]> = fc.array(
  fc.oneof({ weight: 12, arbitrary: anyEvent }, { weight: 1, arbitrary: anyPoison }),
  { minLength: 0, maxLength: 60 },
).map((items) => asMessages(items));

/**
 * Deliveries of a stream as the consumer may see them: consecutive ranges that may start again
 * anywhere at or before the end of what was delivered (redelivery), never after it (a gap).
 */
export function anyDeliveries(length: number): fc.Arbitrary<[number, number][]> {
  return fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }).map((cuts) => {
    const ranges: [number, number][] = [];
    let delivered = 0;
    for (const [a, b] of cuts) {
      const start = length === 0 ? 0 : a % (delivered + 1);
      const end = Math.min(length, start + 1 + (b % 15));
      if (end > start) ranges.push([start, end]);
      delivered = Math.max(delivered, end);
    }
    if (delivered < length) ranges.push([delivered, length]);
    return ranges;
  });
}
