import { deepEqual, equal } from "node:assert/strict";
import { event, sequenced } from "../_test_events.ts";
import { powerSegments, projectPowerMinutes } from "./power_minutes.ts";
import type { PowerEvent } from "../../events/mod.ts";

Deno.test("power projection splits samples at minute boundaries", async (t) => {
  await t.step("100 Hz samples straddling a minute go half to each minute", () => {
    // given ten samples at 10:00:59.950 … 10:01:00.040
    const events = sequenced([
      event("power", "m-1", "2026-11-23T10:00:59.950Z", {
        sampleRateHz: 100,
        watts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      }),
    ]);
    // when projected
    const rows = projectPowerMinutes(events);
    // then five samples fall into each minute
    deepEqual(rows.map((r) => [r.minute, r.samples, r.sum_mw, r.min_w, r.max_w]), [
      ["2026-11-23T10:00:00.000Z", 5, 15_000, 1, 5],
      ["2026-11-23T10:01:00.000Z", 5, 40_000, 6, 10],
    ]);
    deepEqual(rows.map((r) => r.events), [1, 1]);
  });

  await t.step("a sample exactly on the boundary belongs to the new minute", () => {
    const events = sequenced([
      event("power", "m-1", "2026-11-23T10:00:59.000Z", { sampleRateHz: 1, watts: [7, 8] }),
    ]);
    const rows = projectPowerMinutes(events);
    deepEqual(rows.map((r) => [r.minute, r.samples]), [
      ["2026-11-23T10:00:00.000Z", 1],
      ["2026-11-23T10:01:00.000Z", 1],
    ]);
  });

  await t.step("3 Hz samples (a third of a second apart) are placed by their own times", () => {
    // samples at :59.000, :59.333, :59.667, 01:00.000
    const e = event("power", "m-1", "2026-11-23T10:00:59.000Z", {
      sampleRateHz: 3,
      watts: [1, 1, 1, 1],
    }) as PowerEvent;
    deepEqual(powerSegments(e).map((s) => s.samples), [3, 1]);
  });
});

Deno.test("power projection sums integer milliwatts and microjoules per machine and minute", () => {
  // given two events of one machine in one minute and one of another machine
  const events = sequenced([
    event("power", "m-2", "2026-11-23T10:00:01.000Z", { sampleRateHz: 10, watts: [0.0015, 2.5] }),
    event("power", "m-1", "2026-11-23T10:00:02.000Z", { sampleRateHz: 10, watts: [100] }),
    event("power", "m-2", "2026-11-23T10:00:03.000Z", { sampleRateHz: 10, watts: [-1] }),
  ]);
  // when projected
  const rows = projectPowerMinutes(events);
  // then they are pre-aggregated into one row per machine and minute
  deepEqual(rows.map((r) => r.machine_id), ["m-1", "m-2"]);
  const m2 = rows[1]!;
  equal(m2.samples, 3);
  equal(m2.sum_mw, 2 + 2500 - 1000); // 1.5 mW rounds to 2
  equal(m2.min_w, -1);
  equal(m2.max_w, 2.5);
  // energy: each event's mW sum × 100 ms, rounded once per event and minute
  equal(m2.energy_uj, 2502 * 100 - 1000 * 100);
  equal(m2.events, 2);
  equal(m2.last_seq, 3);
  equal(rows[0]!.energy_uj, 100 * 1000 * 100);
});

Deno.test("power projection of an empty batch is empty", () => {
  deepEqual(projectPowerMinutes([]), []);
});
