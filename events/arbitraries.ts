/** fast-check arbitraries of valid signal events, for property tests across the project. */
import fc from "fast-check";
import { MACHINE_STATES, SEVERITIES, type SignalEvent } from "./schema.ts";

const machineId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const occurredAt = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
const state = fc.constantFrom(...MACHINE_STATES);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });

const envelope = { id: fc.uuid({ version: 7 }), v: fc.constant(1 as const), machineId, occurredAt };

const stateChange = fc.record({
  ...envelope,
  type: fc.constant("state_change" as const),
  data: fc.record({ from: fc.option(state, { nil: null }), to: state }),
});
const error = fc.record({
  ...envelope,
  type: fc.constant("error" as const),
  data: fc.record({
    code: fc.string({ minLength: 1, maxLength: 64 }),
    severity: fc.constantFrom(...SEVERITIES),
    message: fc.string({ maxLength: 200 }),
  }),
});
const power = fc.record({
  ...envelope,
  type: fc.constant("power" as const),
  data: fc.record({
    sampleRateHz: fc.constantFrom(1, 10, 50, 100, 1000),
    // Within the contract's bounds (EVENT_BOUNDS.MAX_ABS_WATTS).
    watts: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
      minLength: 1,
      maxLength: 200,
    }),
  }),
});
const sensor = fc.record({
  ...envelope,
  type: fc.constant("sensor" as const),
  data: fc.record({
    readings: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/), finite, {
      maxKeys: 30,
    }),
    failure: fc.option(
      fc.record({
        type: fc.string({ minLength: 1, maxLength: 64 }),
        progress: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { nil: null },
    ),
  }),
});
const point = fc.tuple(
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.tuple(
    fc.double({ min: -90, max: 90, noNaN: true }),
    fc.double({ min: -180, max: 180, noNaN: true }),
    fc.double({ min: 0, max: 1000, noNaN: true }),
  ),
);
const xray = fc.record({
  ...envelope,
  type: fc.constant("xray" as const),
  data: fc.record({ dataPoints: fc.array(point, { minLength: 1, maxLength: 50 }) }),
});

/** Any valid signal event. */
export const arbitrarySignalEvent: fc.Arbitrary<SignalEvent> = fc.oneof(
  stateChange,
  error,
  power,
  sensor,
  xray,
);
