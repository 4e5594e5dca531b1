import { deepEqual, equal } from "node:assert/strict";
import { parseSubject, subjectFilter, subjectOf } from "./subjects.ts";

Deno.test("subjects name the type and the machine", () => {
  equal(subjectOf({ type: "error", machineId: "m-1" }), "signals.error.m-1");
  equal(subjectFilter(), "signals.*.*");
  equal(subjectFilter({ type: "power" }), "signals.power.*");
  equal(subjectFilter({ machineId: "m-2" }), "signals.*.m-2");
  deepEqual(parseSubject("signals.power.m-1"), { type: "power", machineId: "m-1" });
  equal(parseSubject("other.power.m-1"), null);
  equal(parseSubject("signals.power"), null);
});
