import { deepEqual, equal } from "node:assert/strict";
import { event, sequenced } from "../_test_events.ts";
import { projectFailures } from "./failures.ts";

const sensor = (at: string, failure: { type: string; progress: number } | null, m = "m-1") =>
  event("sensor", m, `2026-11-23T10:00:${at}.000Z`, { readings: { temp: 1 }, failure });

Deno.test("failure episode starts in one batch and ends in a later one", () => {
  // given a first batch in which a bearing failure starts and grows
  const first = sequenced([
    sensor("01", null),
    sensor("02", { type: "bearing", progress: 0.1 }),
    sensor("03", { type: "bearing", progress: 0.4 }),
  ]);
  const opened = projectFailures(first, []);
  // then one ongoing episode with its peak so far
  deepEqual(opened.map((r) => [r.start_seq, r.type, r.ended_at, r.peak_progress]), [
    [2, "bearing", null, 0.4],
  ]);
  // when a later batch reports progress and then no failure, given the ongoing episode
  const second = sequenced([
    sensor("04", { type: "bearing", progress: 0.9 }),
    sensor("05", { type: "bearing", progress: 0.5 }),
    sensor("06", null),
    sensor("07", null),
  ], 4);
  const closed = projectFailures(second, opened);
  // then the same episode ends at the first event without a failure, with the peak progress
  equal(closed.length, 1);
  deepEqual(closed[0], {
    ...opened[0]!,
    ended_at: "2026-11-23T10:00:06.000Z",
    end_seq: 6,
    end_event_id: second[2]!.event.id,
    peak_progress: 0.9,
  });
});

Deno.test("failure of another type ends the episode and starts the next one", () => {
  const events = sequenced([
    sensor("01", { type: "bearing", progress: 0.2 }),
    sensor("02", { type: "overheat", progress: 0.3 }),
    sensor("03", { type: "overheat", progress: 0.2 }, "m-2"),
  ]);
  const rows = projectFailures(events, []);
  deepEqual(rows.map((r) => [r.start_seq, r.machine_id, r.type, r.end_seq]), [
    [1, "m-1", "bearing", 2],
    [2, "m-1", "overheat", null],
    [3, "m-2", "overheat", null],
  ]);
});

Deno.test("failures projection of an empty batch changes nothing", () => {
  deepEqual(projectFailures([], []), []);
});
