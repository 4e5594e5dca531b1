/**
 * The fleet's power over the hour up to an instant, one point per minute: the sum over machines of
 * each machine's average watts in that minute, and optionally one machine's average beside it.
 */
import type { Sql } from "postgres";

/** Sixty minutes ending with the minute that contains `to`; null where nothing was recorded. */
export interface FleetPowerHour {
  minutes: string[];
  fleetW: (number | null)[];
  machineW: (number | null)[] | null;
}

/** The hour of power up to `to`, for the fleet and (when given) one machine. */
export async function fleetPowerHour(
  sql: Sql,
  to: Date,
  options: { machine?: string | undefined } = {},
): Promise<FleetPowerHour> {
  const end = Math.floor(to.getTime() / 60_000) * 60_000 + 60_000;
  const start = new Date(end - 3_600_000);
  const machine = options.machine ?? null;
  // mW sums are exact integers; the average of each machine-minute is taken before the sum, so a
  // machine that reported more often does not weigh more.
  const rows = await sql<{ minute: Date; fleet_w: number | null; machine_w: number | null }[]>`
    SELECT g.minute,
      (SELECT sum(p.sum_mw::float8 / p.samples) / 1000 FROM power_minutes p
        WHERE p.minute = g.minute AND p.samples > 0) AS fleet_w,
      (SELECT p.sum_mw::float8 / p.samples / 1000 FROM power_minutes p
        WHERE p.minute = g.minute AND p.machine_id = ${machine} AND p.samples > 0) AS machine_w
    FROM generate_series(${start}::timestamptz, ${new Date(end - 60_000)}::timestamptz,
      interval '1 minute') AS g(minute)
    ORDER BY g.minute`;
  return {
    minutes: rows.map((r) => r.minute.toISOString()),
    fleetW: rows.map((r) => r.fleet_w),
    machineW: machine === null ? null : rows.map((r) => r.machine_w),
  };
}
