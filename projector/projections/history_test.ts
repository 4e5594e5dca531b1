import { deepEqual } from "node:assert/strict";
import { event, sequenced } from "../_test_events.ts";
import { projectStateChanges } from "./state_changes.ts";
import { projectErrors } from "./errors.ts";
import { projectSensorReadings } from "./sensor_readings.ts";
import { projectXrayScans } from "./xray_scans.ts";

const events = sequenced([
  event("state_change", "m-1", "2026-11-23T10:00:00Z", { from: null, to: "idle" }),
  event("error", "m-2", "2026-11-23T10:00:01.5Z", {
    code: "E1",
    severity: "warning",
    message: "hot",
  }),
  event("sensor", "m-1", "2026-11-23T10:00:02.000Z", {
    readings: { temp: 21.5 },
    failure: { type: "bearing", progress: 0.25 },
  }),
  event("xray", "m-3", "2026-11-23T10:00:03.000Z", {
    dataPoints: [[0, [10, 20, 1]], [250, [11, 19, 3]], [100, [10.5, 21, 2]]],
  }),
]);

Deno.test("history projections write one row per event with its id, sequence and time", async (t) => {
  await t.step("state_changes", () => {
    deepEqual(projectStateChanges(events), [{
      seq: 1,
      event_id: events[0]!.event.id,
      machine_id: "m-1",
      from_state: null,
      to_state: "idle",
      at: "2026-11-23T10:00:00.000Z",
    }]);
  });
  await t.step("errors", () => {
    deepEqual(projectErrors(events), [{
      seq: 2,
      event_id: events[1]!.event.id,
      machine_id: "m-2",
      code: "E1",
      severity: "warning",
      message: "hot",
      at: "2026-11-23T10:00:01.500Z",
    }]);
  });
  await t.step("sensor_readings", () => {
    deepEqual(
      projectSensorReadings(events).map((
        r,
      ) => [r.seq, r.readings, r.failure_type, r.failure_progress]),
      [
        [3, { temp: 21.5 }, "bearing", 0.25],
      ],
    );
  });
  await t.step("xray_scans summarise the points", () => {
    const [row] = projectXrayScans(events);
    deepEqual(
      [row?.seq, row?.point_count, row?.min_lat, row?.max_lat, row?.min_lon, row?.max_lon],
      [4, 3, 10, 11, 19, 21],
    );
    deepEqual([row?.min_speed, row?.avg_speed, row?.max_speed, row?.duration_ms], [1, 2, 3, 250]);
  });
  await t.step("an empty batch gives no rows", () => {
    deepEqual(
      [projectStateChanges([]), projectErrors([]), projectSensorReadings([]), projectXrayScans([])],
      [[], [], [], []],
    );
  });
});
