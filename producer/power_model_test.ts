import { equal, ok } from "node:assert/strict";
import type { MachineState } from "../events/mod.ts";
import { generateEvents } from "./fleet.ts";
import { POWER_SAMPLE_MS, POWER_SAMPLE_RATE_HZ } from "./power_model.ts";

const MINUTE = 60_000;

Deno.test("power holds 100 samples per machine-second", async (t) => {
  for (const batchMs of [10, 100, 250, 1000]) {
    await t.step(`batched every ${batchMs} ms`, () => {
      // given 3 machines simulated for 2 minutes
      const fromMs = Date.parse("2026-11-20T00:00:00Z");
      const perSecond = new Map<string, number>();
      for (
        const e of generateEvents(
          { seed: 3, machines: 3, types: ["power"], powerBatchMs: batchMs },
          {
            fromMs,
            toMs: fromMs + 2 * MINUTE,
          },
        )
      ) {
        if (e.type !== "power") throw new Error("only power was selected");
        equal(e.data.sampleRateHz, POWER_SAMPLE_RATE_HZ);
        equal(e.data.watts.length, batchMs / POWER_SAMPLE_MS);
        e.data.watts.forEach((_, i) => {
          const second = Math.floor((Date.parse(e.occurredAt) + i * POWER_SAMPLE_MS) / 1000);
          const key = `${e.machineId}@${second}`;
          perSecond.set(key, (perSecond.get(key) ?? 0) + 1);
        });
      }
      // then every machine-second holds exactly 100 samples
      equal(perSecond.size, 3 * 120);
      for (const [key, count] of perSecond) equal(count, 100, key);
    });
  }
});

Deno.test("power follows the machine state: high when running, low idle, near zero stopped, spiky in fault", () => {
  // given a long run of one machine's state changes and power, in time order
  const watts: Record<MachineState, number[]> = { running: [], idle: [], stopped: [], fault: [] };
  let state: MachineState = "stopped";
  for (
    const e of generateEvents({ seed: 9, machines: 1, types: ["state_change", "power"] }, {
      fromMs: 0,
      toMs: 60 * MINUTE,
    })
  ) {
    if (e.type === "state_change") state = e.data.to;
    else if (e.type === "power") watts[state].push(...e.data.watts);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
  for (const s of Object.keys(watts) as MachineState[]) ok(watts[s].length > 1000, s);
  // then the levels are ordered as a real machine's are
  ok(mean(watts.running) > 4 * mean(watts.idle), "running draws far more than idle");
  ok(mean(watts.idle) > 10 * mean(watts.stopped), "idle draws more than stopped");
  ok(mean(watts.stopped) < 10, "stopped is near zero");
  ok(max(watts.fault) > 1.4 * mean(watts.running), "fault spikes above nominal");
  ok(Object.values(watts).flat().every((w) => w >= 0), "never negative");
});
