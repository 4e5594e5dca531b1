import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import type { MachineState, SignalEvent } from "../events/mod.ts";
import { generateEvents } from "./fleet.ts";
import { ERROR_INTERVAL_MS, STATE_INTERVAL_MS } from "./machine_model.ts";

const HOUR = 3_600_000;

function byMachine(events: Iterable<SignalEvent>): Map<string, SignalEvent[]> {
  const map = new Map<string, SignalEvent[]>();
  for (const e of events) {
    const list = map.get(e.machineId);
    if (list) list.push(e);
    else map.set(e.machineId, [e]);
  }
  return map;
}

const ms = (e: SignalEvent) => Date.parse(e.occurredAt);

/** A state change forced by a critical error: it shares the error's instant. */
function isForced(change: SignalEvent, events: SignalEvent[]): boolean {
  return events.some((e) =>
    e.type === "error" && e.data.severity === "critical" && e.occurredAt === change.occurredAt
  );
}

Deno.test("state changes come every 1–5 s and errors every 10–30 s over simulated hours", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
      // given a fleet simulated for two hours
      const events = generateEvents({ seed, machines: 3, types: ["state_change", "error"] }, {
        fromMs: 0,
        toMs: 2 * HOUR,
      });
      for (const [, list] of byMachine(events)) {
        // then consecutive changes are at most 5 s apart, and at least 1 s unless forced
        const changes = list.filter((e) => e.type === "state_change");
        ok(changes.length >= (2 * HOUR) / STATE_INTERVAL_MS[1]);
        for (let i = 1; i < changes.length; i++) {
          const gap = ms(changes[i]!) - ms(changes[i - 1]!);
          ok(gap <= STATE_INTERVAL_MS[1], `state gap ${gap} ms`);
          ok(gap >= STATE_INTERVAL_MS[0] || isForced(changes[i]!, list), `state gap ${gap} ms`);
        }
        // and errors are 10–30 s apart
        const errors = list.filter((e) => e.type === "error");
        ok(errors.length >= (2 * HOUR) / ERROR_INTERVAL_MS[1] - 1);
        for (let i = 1; i < errors.length; i++) {
          const gap = ms(errors[i]!) - ms(errors[i - 1]!);
          ok(gap >= ERROR_INTERVAL_MS[0] && gap <= ERROR_INTERVAL_MS[1], `error gap ${gap} ms`);
        }
      }
    }),
    { numRuns: 8 },
  );
});

Deno.test("each state change starts from the previous state and changes it", () => {
  const events = generateEvents({ seed: 11, machines: 4, types: ["state_change"] }, {
    fromMs: 0,
    toMs: HOUR,
  });
  for (const [, changes] of byMachine(events)) {
    let previous: MachineState | null = null;
    changes.forEach((e, i) => {
      if (e.type !== "state_change") throw new Error("only state changes were selected");
      equal(e.data.from, i === 0 ? null : previous);
      ok(e.data.from !== e.data.to);
      previous = e.data.to;
    });
  }
});

Deno.test("a machine in fault raises critical errors, and a critical error puts it in fault", () => {
  // given a long run, so faults and critical errors occur many times
  const events = generateEvents({ seed: 5, machines: 5, types: ["state_change", "error"] }, {
    fromMs: 0,
    toMs: 6 * HOUR,
  });
  let inFault = 0, criticalForced = 0;
  for (const [, list] of byMachine(events)) {
    let state: MachineState | null = null;
    list.forEach((e, i) => {
      if (e.type === "state_change") state = e.data.to;
      if (e.type !== "error") return;
      if (state === "fault") {
        // then every error raised in fault is critical
        equal(e.data.severity, "critical");
        inFault++;
      } else if (e.data.severity === "critical") {
        // then the next event is the change to fault, at the same instant
        const next = list[i + 1];
        equal(next?.type, "state_change");
        equal(next?.occurredAt, e.occurredAt);
        if (next?.type === "state_change") equal(next.data.to, "fault");
        criticalForced++;
      }
    });
  }
  ok(inFault > 0, "some errors were raised in fault");
  ok(criticalForced > 0, "some critical errors forced a fault");
});
