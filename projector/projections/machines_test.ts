import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { anyEvent, event, sequenced } from "../_test_events.ts";
import { machineFact, mergeMachine, projectMachines } from "./machines.ts";

Deno.test("machines projection keeps the latest state by event time, not arrival", () => {
  // given a late state change for m-1 that arrives after a newer one, interleaved with m-2
  const events = sequenced([
    event("state_change", "m-1", "2026-11-23T10:00:05.000Z", { from: "idle", to: "running" }),
    event("state_change", "m-2", "2026-11-23T10:00:01.000Z", { from: null, to: "idle" }),
    event("state_change", "m-1", "2026-11-23T10:00:02.000Z", { from: null, to: "idle" }),
  ]);
  // when projected
  const rows = projectMachines(events);
  // then each machine has its latest state and the last time it was seen
  deepEqual(rows.map((r) => [r.machine_id, r.state, r.state_since, r.state_seq, r.last_seen]), [
    ["m-1", "running", "2026-11-23T10:00:05.000Z", 1, "2026-11-23T10:00:05.000Z"],
    ["m-2", "idle", "2026-11-23T10:00:01.000Z", 2, "2026-11-23T10:00:01.000Z"],
  ]);
});

Deno.test("machines projection counts errors, keeps the last one, and adds up energy", () => {
  const events = sequenced([
    event("error", "m-1", "2026-11-23T10:00:03.000Z", {
      code: "E2",
      severity: "critical",
      message: "",
    }),
    event("error", "m-1", "2026-11-23T10:00:01.000Z", {
      code: "E1",
      severity: "info",
      message: "",
    }),
    event("power", "m-1", "2026-11-23T10:00:00.000Z", { sampleRateHz: 2, watts: [10, 20] }),
    event("power", "m-1", "2026-11-23T09:59:00.000Z", { sampleRateHz: 1, watts: [5] }),
  ]);
  const [row] = projectMachines(events);
  equal(row?.last_error_code, "E2");
  equal(row?.errors_critical, 1);
  equal(row?.errors_info, 1);
  equal(row?.last_power_w, 20);
  equal(row?.last_power_at, "2026-11-23T10:00:00.500Z");
  // (10 W + 20 W) × 0.5 s + 5 W × 1 s = 20 J
  equal(row?.energy_uj, 20_000_000);
});

Deno.test("machines merge is commutative and associative", () => {
  fc.assert(
    fc.property(fc.array(anyEvent.map((e) => e), { minLength: 3, maxLength: 3 }), (events) => {
      const [a, b, c] = events.map((e, i) => machineFact(i + 1, { ...e, machineId: "m-1" }));
      deepEqual(mergeMachine(a!, b!), mergeMachine(b!, a!));
      deepEqual(mergeMachine(mergeMachine(a!, b!), c!), mergeMachine(a!, mergeMachine(b!, c!)));
    }),
  );
});

Deno.test("machines projection of an empty batch is empty", () => {
  deepEqual(projectMachines([]), []);
});
