/** Helpers of the query benchmark: bulk seeding with generate_series, wrk with a Lua script, RSS. */
import type { Sql } from "postgres";
import { parseWrk } from "../bench/wrk.ts";

/** Start of the seeded history. */
export const T0 = Date.UTC(2026, 9, 1);
/** Machines in the seeded fleet. */
export const MACHINES = 10;

/** Seeds `rows` state changes (one a second), rows/5 errors and 30 days of power minutes. */
export async function seedLoad(sql: Sql, rows: number): Promise<Record<string, number>> {
  const t0 = new Date(T0);
  await sql`
    INSERT INTO machines (machine_id, state, state_since, last_seen)
    SELECT 'm-' || lpad(g::text, 3, '0'), 'running', ${t0}, ${t0}
    FROM generate_series(1, ${MACHINES}) g`;
  await sql`
    INSERT INTO state_changes (seq, event_id, machine_id, from_state, to_state, at)
    SELECT g, md5('sc' || g)::uuid, 'm-' || lpad((g % ${MACHINES} + 1)::text, 3, '0'),
      (ARRAY['running','idle','stopped','fault'])[(g + 3) % 4 + 1],
      (ARRAY['running','idle','stopped','fault'])[g % 4 + 1],
      ${t0}::timestamptz + g * interval '1 second'
    FROM generate_series(1, ${rows}) g`;
  await sql`
    INSERT INTO errors (seq, event_id, machine_id, code, severity, message, at)
    SELECT ${rows} + g, md5('er' || g)::uuid, 'm-' || lpad((g % ${MACHINES} + 1)::text, 3, '0'),
      'E' || (g % 17), (ARRAY['info','warning','error','critical'])[g % 4 + 1], 'message ' || g,
      ${t0}::timestamptz + g * interval '5 seconds'
    FROM generate_series(1, ${Math.floor(rows / 5)}) g`;
  const minutes = 30 * 1440;
  await sql`
    INSERT INTO power_minutes (machine_id, minute, samples, sum_mw, min_w, max_w, energy_uj,
      events, last_seq)
    SELECT 'm-' || lpad(m::text, 3, '0'), ${t0}::timestamptz + g * interval '1 minute', 6000,
      6000::bigint * (1000000 + (g % 500) * 1000), 900, 1600,
      60::bigint * (1000 + g % 500) * 1000000, 600, g
    FROM generate_series(0, ${minutes - 1}) g, generate_series(1, ${MACHINES}) m`;
  await sql`ANALYZE`;
  return { state_changes: rows, errors: Math.floor(rows / 5), power_minutes: minutes * MACHINES };
}

/** A wrk Lua script requesting `path` with a random one-hour `from`/`to` within `spanHours`. */
export function windowScript(path: string, spanHours: number, hours = 1): string {
  return `math.randomseed(42)
request = function()
  local from = ${T0} + math.random(0, ${spanHours - hours}) * 3600000
  return wrk.format("GET", "${path}" .. "&from=" .. from .. "&to=" .. (from + ${hours} * 3600000))
end
`;
}

/** Options of {@linkcode wrk}. */
export interface WrkRun {
  /** Lua script that builds each request. */
  script: string;
  /** Seconds to run. @default 10 */
  seconds?: number;
  /** Open connections. @default 16 */
  connections?: number;
}

/** Loads `url` with wrk driven by a Lua script; returns its parsed figures. */
export async function wrk(url: string, run: WrkRun) {
  const file = await Deno.makeTempFile({ suffix: ".lua" });
  try {
    const { script, seconds = 10, connections = 16 } = run;
    await Deno.writeTextFile(file, script);
    const threads = Math.min(2, connections);
    const args = [
      `-t${threads}`,
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      "--timeout",
      "5s",
      "-s",
      file,
      url,
    ];
    const out = await new Deno.Command("wrk", { args, stdin: "null" }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return parseWrk(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(file);
  }
}

/** Current RSS of `pid` in bytes, via ps (Deno refuses /proc reads without --allow-all). */
export async function rssOf(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim() || 0) * 1024;
}

/** Samples RSS every 100 ms until stopped; returns the highest value seen. */
export function sampleRss(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rssOf(pid));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

/** Waits until the API at `base` answers. */
export async function waitHealthy(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/machines`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("API did not start");
}
