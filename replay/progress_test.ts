import { equal, match } from "node:assert/strict";
import fc from "fast-check";
import {
  etaSeconds,
  fractionOf,
  rateOf,
  type RebuildProgress,
  renderBar,
  renderLine,
} from "./progress.ts";

const at = (eventsRead: number, totalEvents: number, elapsedMs: number): RebuildProgress => ({
  phase: "replaying",
  eventsRead,
  totalEvents,
  rowsWritten: 7,
  elapsedMs,
});

Deno.test("progress figures: rate, fraction and ETA", async (t) => {
  await t.step("given 50k of 200k events in 1 s, then 50k/s, 25% and 3 s left", () => {
    const p = at(50_000, 200_000, 1000);
    equal(rateOf(p), 50_000);
    equal(fractionOf(p), 0.25);
    equal(etaSeconds(p), 3);
  });
  await t.step("before any time has passed there is no rate and no ETA", () => {
    equal(rateOf(at(0, 10, 0)), 0);
    equal(etaSeconds(at(0, 10, 0)), undefined);
  });
  await t.step("the fraction stays within 0..1 and is 1 when done", () => {
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.nat(), (read, total, ms) => {
      const f = fractionOf(at(read, total, ms));
      return f >= 0 && f <= 1;
    }));
    equal(fractionOf({ ...at(0, 0, 5), phase: "done" }), 1);
  });
  await t.step("the bar and the line show percent, rate and ETA", () => {
    const p = at(50_000, 200_000, 1000);
    match(renderBar(p), /25\.0%.*50\.0k\/200\.0k events 50\.0k ev\/s ETA 3s/);
    match(
      renderLine(p),
      /50000\/200000 events \(25\.0%\), 50000 events\/s, 7 rows written, ETA 3s/,
    );
  });
});
