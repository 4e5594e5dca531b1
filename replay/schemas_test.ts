import { deepEqual, equal } from "node:assert/strict";
import { PROJECTIONS } from "../projector/registry.ts";
import { projectionsOfSchema, schemasFor } from "./_schemas.ts";

Deno.test("rebuild schema names say which projections they belong to", async (t) => {
  await t.step("one projection, or all of them", () => {
    deepEqual(schemasFor(["power_minutes"], "0a1b2c3d"), {
      shadow: "rebuild_power_minutes_0a1b2c3d",
      retired: "retired_power_minutes_0a1b2c3d",
    });
    equal(schemasFor([...PROJECTIONS], "0a1b2c3d").shadow, "rebuild_all_0a1b2c3d");
  });
  await t.step("names read back into their projections", () => {
    for (const p of PROJECTIONS) {
      const { shadow, retired } = schemasFor([p], "deadbeef");
      deepEqual(projectionsOfSchema(shadow, PROJECTIONS), [p]);
      deepEqual(projectionsOfSchema(retired, PROJECTIONS), [p]);
    }
    deepEqual(projectionsOfSchema("rebuild_all_deadbeef", PROJECTIONS), [...PROJECTIONS]);
  });
  await t.step("any other schema is not one of ours", () => {
    for (const name of ["public", "rebuild_nope_deadbeef", "rebuild_errors", "prop_1"]) {
      equal(projectionsOfSchema(name, PROJECTIONS), undefined, name);
    }
  });
});
