import { ok } from "node:assert/strict";
import fc from "fast-check";
import type { XrayPoint } from "../events/mod.ts";
import { generateEvents } from "./fleet.ts";
import { XRAY_MAX_SPEED } from "./xray_model.ts";

/** Metres between two points, on an equirectangular approximation (fine over metres). */
function metres(a: XrayPoint[1], b: XrayPoint[1]): number {
  const dLat = (b[0] - a[0]) * 111_320;
  const dLon = (b[1] - a[1]) * 111_320 * Math.cos((a[0] * Math.PI) / 180);
  return Math.hypot(dLat, dLon);
}

Deno.test("x-ray scans hold 1–maxPoints points along one continuous path", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 100, max: 10_000 }),
      (seed, maxPoints, intervalMs) => {
        // given two devices scanning for 20 intervals
        const events = generateEvents(
          {
            seed,
            types: ["xray"],
            xrayDevices: 2,
            xrayMaxPoints: maxPoints,
            xrayIntervalMs: intervalMs,
          },
          { fromMs: 0, toMs: 20 * intervalMs },
        );
        const last = new Map<string, { t: number; p: XrayPoint[1] }>();
        let scans = 0;
        for (const e of events) {
          if (e.type !== "xray") throw new Error("only x-ray was selected");
          scans++;
          const points = e.data.dataPoints;
          ok(points.length >= 1 && points.length <= maxPoints);
          const start = Date.parse(e.occurredAt);
          points.forEach(([offset, position], k) => {
            // then offsets rise within the scan interval
            ok(offset >= 0 && offset < intervalMs);
            if (k > 0) ok(offset > points[k - 1]![0] || intervalMs < points.length);
            ok(position[2] >= 0 && position[2] <= XRAY_MAX_SPEED);
            // and no step is longer than the top speed allows, across scans too
            const t = start + offset;
            const before = last.get(e.machineId);
            if (before) {
              const allowed = (XRAY_MAX_SPEED * Math.max(1, t - before.t)) / 1000 + 1;
              ok(metres(before.p, position) <= allowed, `jump of ${metres(before.p, position)} m`);
            }
            last.set(e.machineId, { t, p: position });
          });
        }
        ok(scans === 40);
      },
    ),
    { numRuns: 15 },
  );
});
