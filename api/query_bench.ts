/**
 * Benchmark of the API's date-range queries: seeds a database with over a million read-model rows
 * using generate_series, starts `api/main.ts` as its own process on loopback, loads it with wrk
 * (random one-hour windows) and prints p50/p99 latency per query, plus a full CSV export's rate and
 * the server's peak RSS. Run: `deno run -P=bench api/query_bench.ts [--rows N] [--seconds S]`.
 * @module
 */
import { parseWrk } from "../bench/wrk.ts";
import { startTestStack } from "../dev/stack.ts";
import { migrate } from "../projector/migrate.ts";
import { createSql } from "./db.ts";
import type { Sql } from "postgres";

/** Start of the seeded history. */
const T0 = Date.UTC(2026, 9, 1);
const MACHINES = 10;

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
function windowScript(path: string, spanHours: number, hours = 1): string {
  return `math.randomseed(42)
request = function()
  local from = ${T0} + math.random(0, ${spanHours - hours}) * 3600000
  return wrk.format("GET", "${path}" .. "&from=" .. from .. "&to=" .. (from + ${hours} * 3600000))
end
`;
}

async function wrk(url: string, script: string, seconds: number, connections: number) {
  const file = await Deno.makeTempFile({ suffix: ".lua" });
  try {
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
async function rssOf(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim() || 0) * 1024;
}

/** Samples RSS every 100 ms until stopped; returns the highest value seen. */
function sampleRss(pid: number): { stop(): Promise<number> } {
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

async function waitHealthy(base: string): Promise<void> {
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

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const at = Deno.args.indexOf(name);
    return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
  };
  const rows = arg("--rows", 1_000_000);
  const seconds = arg("--seconds", 10);
  const stack = await startTestStack();
  const sql = createSql(stack.databaseUrl, { timeoutMs: 600_000 });
  let api: Deno.ChildProcess | undefined;
  try {
    await migrate(sql);
    const started = performance.now();
    const counts = await seedLoad(sql, rows);
    console.log(
      `seeded ${JSON.stringify(counts)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    api = new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=api", new URL("./main.ts", import.meta.url).pathname],
      env: {
        PORT: String(port),
        HOSTNAME: "127.0.0.1",
        DATABASE_URL: stack.databaseUrl,
        NATS_URL: stack.natsUrl,
        LOG_LEVEL: "warn",
      },
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(base);
    const spanHours = Math.floor(rows / 3600);
    const cases: [string, string, string][] = [
      [
        "state_change, 1 h window, limit 100",
        "/signals/state_change?limit=100",
        windowScript("/signals/state_change?limit=100", spanHours),
      ],
      [
        "state_change, 1 h, one machine",
        "/signals/state_change?machine=m-003",
        windowScript("/signals/state_change?machine=m-003&limit=100", spanHours),
      ],
      [
        "error, 1 h, severity=critical",
        "/signals/error?severity=critical",
        windowScript("/signals/error?severity=critical&limit=100", spanHours),
      ],
      [
        "power, 1 day in 1h buckets",
        "/signals/power?bucket=1h",
        windowScript("/signals/power?bucket=1h&limit=240", 29 * 24, 24),
      ],
    ];
    console.log(
      "| query | connections | p50 ms | p99 ms | req/s | errors |\n| --- | --- | --- | --- | --- | --- |",
    );
    for (const [what, path, script] of cases) {
      for (const connections of [1, 16]) {
        const r = await wrk(`${base}${path}`, script, seconds, connections);
        console.log(
          `| ${what} | ${connections} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${
            r.requestsPerSec.toFixed(0)
          } | ${r.errors} |`,
        );
      }
    }
    const before = await rssOf(api.pid);
    const watch = sampleRss(api.pid);
    const t = performance.now();
    const res = await fetch(`${base}/signals/state_change?format=csv&order=asc`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body!) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    const secs = (performance.now() - t) / 1000;
    const peak = await watch.stop();
    console.log(
      `CSV export: ${lines - 1} rows, ${(bytes / 1e6).toFixed(0)} MB in ${secs.toFixed(1)} s ` +
        `(${Math.round((lines - 1) / secs)} rows/s); API peak RSS ${
          (before / 1e6).toFixed(0)
        } MB before, ` +
        `${(peak / 1e6).toFixed(0)} MB during`,
    );
  } finally {
    if (api) {
      api.kill("SIGTERM");
      await api.status;
    }
    await sql.end();
    await stack.stop();
  }
}

if (import.meta.main) await main();
