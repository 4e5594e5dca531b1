/** Row 4: API throughput and latency under wrk, beside Hono serving a constant body. */
import postgres, { type Sql } from "postgres";
import type { Stack } from "../dev/stack.ts";
import { freePort, waitUntil } from "../dev/ports.ts";
import { startService } from "./services.ts";
import { type BenchRow, formatNumber } from "./table.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

const ROOT = new URL("../", import.meta.url);
const KEY = "bench-read-key-0001";

/** What the API row measured, and the API's peak RSS. */
export interface ApiResult {
  rows: BenchRow[];
  apiPeakRss: number;
}

async function oneValue(query: Promise<{ v: string | null }[]>): Promise<string> {
  const [row] = await query;
  if (!row?.v) throw new Error("bench: the database has too little data for the API row");
  return row.v;
}

/** The query strings of the five loads, chosen from the data actually in the database. */
async function loads(sql: Sql): Promise<{ name: string; path: string }[]> {
  const rangeFrom = await oneValue(sql`
    SELECT min(at)::text AS v FROM (
      SELECT at FROM state_changes ORDER BY at DESC, seq DESC OFFSET 500 LIMIT 100) s`);
  const rangeTo = await oneValue(sql`
    SELECT (max(at) + interval '1 millisecond')::text AS v FROM (
      SELECT at FROM state_changes ORDER BY at DESC, seq DESC OFFSET 500 LIMIT 100) s`);
  const dayFrom = await oneValue(sql`
    SELECT date_trunc('day', max(minute))::text AS v FROM power_minutes`);
  const csvRows = Math.min(
    10_000,
    Number(
      await oneValue(sql`
    SELECT count(*)::text AS v FROM sensor_readings`),
    ),
  );
  const csvFrom = await oneValue(sql`
    SELECT at::text AS v FROM sensor_readings ORDER BY at DESC OFFSET ${csvRows - 1} LIMIT 1`);
  const iso = (text: string) => encodeURIComponent(new Date(text).toISOString());
  const dayTo = new Date(Date.parse(new Date(dayFrom).toISOString()) + 86_400_000).toISOString();
  return [
    { name: "latest power", path: "/signals/power/latest" },
    {
      name: "date range, 100 state changes",
      path: `/signals/state_change?from=${iso(rangeFrom)}&to=${iso(rangeTo)}&limit=100`,
    },
    {
      name: "power over a day at 1h",
      path: `/signals/power?from=${iso(dayFrom)}&to=${encodeURIComponent(dayTo)}&bucket=1h`,
    },
    { name: "/machines", path: "/machines" },
    {
      name: `CSV export of ${csvRows.toLocaleString("en-US")} sensor readings`,
      path: `/signals/sensor?from=${iso(csvFrom)}&format=csv`,
    },
  ];
}

async function constantBaseline(seconds: number): Promise<WrkResult> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", "bench/hono_constant.ts", String(port)],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitUntil("the constant Hono server", () => reachable(`http://127.0.0.1:${port}/`));
    return await runWrk(`http://127.0.0.1:${port}/`, { seconds });
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

async function reachable(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const response = await fetch(url, { headers });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Loads each endpoint for `seconds` at concurrency 32 with wrk in its own process. */
export async function benchApi(stack: Stack, seconds: number): Promise<ApiResult> {
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const [{ events }] = await sql<{ events: string }[]>`
    SELECT max(last_seq)::text AS events FROM projection_checkpoints` as unknown as [
    { events: string },
  ];
  const paths = await loads(sql);
  await sql.end();
  const port = freePort();
  const api = await startService("api", {
    NATS_URL: stack.natsUrl,
    DATABASE_URL: stack.databaseUrl,
    PORT: String(port),
    API_KEYS: `${KEY}:read`,
  });
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${KEY}` };
  const rows: BenchRow[] = [];
  try {
    await waitUntil("the API", () => reachable(`${base}/machines`, auth), 60_000);
    const baseline = await constantBaseline(seconds);
    for (const [index, load] of paths.entries()) {
      console.error(`bench: api, ${load.name}…`);
      const result = await runWrk(base + load.path, { seconds, headers: auth });
      const id = `4${String.fromCharCode(97 + index)}`;
      rows.push({
        id,
        what: `API: ${load.name} (${Number(events).toLocaleString("en-US")} events in the log)`,
        value: result.requestsPerSec,
        unit: "req/s",
        baseline: baseline.requestsPerSec,
        baselineWhat: "Hono constant JSON",
        target: index === 1 ? "p99 < 20 ms; zero errors" : "zero errors",
        met: result.errors === 0 && (index !== 1 || result.p99Ms < 20),
        note: `p50 ${formatNumber(result.p50Ms)} ms, p99 ${
          formatNumber(result.p99Ms)
        } ms, errors ${result.errors} (constant body: p50 ${formatNumber(baseline.p50Ms)} ms, p99 ${
          formatNumber(baseline.p99Ms)
        } ms)`,
      });
    }
    return { rows, apiPeakRss: await api.stop() };
  } catch (error) {
    await api.stop();
    throw error;
  }
}
