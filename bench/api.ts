/** Row 4: API throughput and latency under wrk, beside Hono serving a constant body. */
import postgres, { type Sql } from "postgres";
import { freePort, waitUntil } from "../dev/ports.ts";
import { startService } from "./services.ts";
import type { BenchContext } from "./context.ts";
import { type PeakRss, watchPeakRss } from "./rss.ts";
import { type BenchRow, formatNumber } from "./table.ts";
import { MIN_SAMPLES } from "./verdict.ts";
import {
  latencySamples,
  runWrkAtLeast,
  WRK_TIMEOUT_SECONDS,
  type WrkResult,
  type WrkRun,
} from "./wrk.ts";

const ROOT = new URL("../", import.meta.url);
/**
 * Isolates the benchmarked API serves from: `API_WORKERS` of the bench's environment, else the
 * service's default of one (two measured faster on a busy 2-core machine but peaked at 192 MB
 * against 123 MB under the CSV load, near the 200 MB target).
 */
const WORKERS = Number(Deno.env.get("API_WORKERS") ?? 1);
const KEY = "bench-read-key-0001";

async function oneValue(query: Promise<{ v: string | null }[]>): Promise<string> {
  const [row] = await query;
  if (!row?.v) throw new Error("bench: the database has too little data for the API row");
  return row.v;
}

/** What a load must reach (issue 16): a rate, and a p99 for some. */
export interface LoadTarget {
  minRps: number;
  maxP99Ms?: number;
}

/** One API load: its row id, name, path and target. */
export interface Load {
  id: string;
  name: string;
  path: string;
  target: LoadTarget;
}

/** The query strings of the API loads, chosen from the data actually in the database. */
export async function loads(sql: Sql): Promise<Load[]> {
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
  const dayStart = Date.parse(new Date(dayFrom).toISOString());
  const dayTo = encodeURIComponent(new Date(dayStart + 86_400_000).toISOString());
  const monthFrom = encodeURIComponent(new Date(dayStart - 29 * 86_400_000).toISOString());
  return [
    {
      id: "4a",
      name: "latest power",
      path: "/signals/power/latest",
      target: { minRps: 10_000, maxP99Ms: 10 },
    },
    {
      id: "4b",
      name: "date range, 100 state changes",
      path: `/signals/state_change?from=${iso(rangeFrom)}&to=${iso(rangeTo)}&limit=100`,
      target: { minRps: 5_000, maxP99Ms: 20 },
    },
    {
      id: "4c",
      name: "power over a day at 1h",
      path: `/signals/power?from=${iso(dayFrom)}&to=${dayTo}&bucket=1h`,
      target: { minRps: 3_000 },
    },
    {
      id: "4f",
      name: "power over 30 days at 1d",
      path: `/signals/power?from=${monthFrom}&to=${dayTo}&bucket=1d`,
      target: { minRps: 3_000 },
    },
    { id: "4d", name: "/machines", path: "/machines", target: { minRps: 10_000, maxP99Ms: 10 } },
    {
      id: "4e",
      name: `CSV export of ${csvRows.toLocaleString("en-US")} sensor readings`,
      path: `/signals/sensor?from=${iso(csvFrom)}&format=csv`,
      target: { minRps: 50 },
    },
  ];
}

/** A target in words: "≥ 10,000 req/s; p99 < 10 ms; zero errors". */
export function targetText(target: LoadTarget): string {
  const p99 = target.maxP99Ms === undefined ? "" : `; p99 < ${target.maxP99Ms} ms`;
  return `≥ ${target.minRps.toLocaleString("en-US")} req/s${p99}; zero errors`;
}

/** Whether a run met `target`. */
export function meetsTarget(run: WrkResult, target: LoadTarget): boolean {
  return run.errors === 0 && run.requestsPerSec >= target.minRps &&
    (target.maxP99Ms === undefined || run.p99Ms < target.maxP99Ms);
}

/** wrk against Hono serving a constant body; the server's peak memory is a baseline too. */
async function constantBaseline(
  seconds: number,
  minRequests: number,
): Promise<{ wrk: WrkRun; rss: PeakRss }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", "bench/hono_constant.ts", String(port)],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const rss = watchPeakRss(child.pid);
  try {
    await waitUntil("the constant Hono server", () => reachable(`http://127.0.0.1:${port}/`));
    const wrk = await runWrkAtLeast(`http://127.0.0.1:${port}/`, {
      seconds,
      minRequests,
      maxSeconds: seconds * 4,
    });
    return { wrk, rss: await rss.stop() };
  } finally {
    await rss.stop();
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

function loadAverage(): string {
  return Deno.loadavg().map((n) => n.toFixed(1)).join(" ");
}

/**
 * "p50 …, p99 …" of a run, each only when enough answers were timed for it: wrk times no answer
 * slower than its timeout, and a percentile of too few answers is not shown rather than misread.
 */
export function latencyNote(run: WrkResult): string {
  const timed = latencySamples(run);
  const shown = (name: "p50" | "p99", ms: number) =>
    timed >= MIN_SAMPLES[name]
      ? `${name} ${formatNumber(ms)} ms`
      : `${name} not shown (${timed} answers timed, needs ≥ ${MIN_SAMPLES[name]})`;
  const timeouts = run.timeouts > 0
    ? `, ${run.timeouts} timeouts (> ${WRK_TIMEOUT_SECONDS} s)`
    : "";
  return `${shown("p50", run.p50Ms)}, ${shown("p99", run.p99Ms)}${timeouts}`;
}

/**
 * Loads each endpoint at concurrency 32 with wrk in its own process, for `sizes.wrkSeconds` or
 * longer until it completed the requests its row needs (at most `sizes.wrkMaxSeconds`).
 */
export async function apiRows(context: BenchContext): Promise<BenchRow[]> {
  const { stack, sizes } = context;
  const filter = context.apiFilter;
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
    API_WORKERS: String(WORKERS),
  });
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${KEY}` };
  const rows: BenchRow[] = [];
  try {
    await waitUntil("the API", () => reachable(`${base}/machines`, auth), 60_000);
    const baseline = await constantBaseline(sizes.wrkSeconds, MIN_SAMPLES.p99);
    context.baselines.honoConstantRss = baseline.rss;
    for (const load of paths) {
      if (filter && !filter.test(load.name)) continue;
      console.error(`bench: api, ${load.name}…`);
      const kind = load.target.maxP99Ms === undefined ? "request rate" : "p99";
      const result = await runWrkAtLeast(base + load.path, {
        seconds: sizes.wrkSeconds,
        maxSeconds: sizes.wrkMaxSeconds,
        minRequests: Math.max(MIN_SAMPLES[kind], sizes.wrkMinRequests),
        headers: auth,
      });
      rows.push({
        id: load.id,
        what: `API: ${load.name} (${
          Number(events).toLocaleString("en-US")
        } events in the log, API_WORKERS=${WORKERS})`,
        value: result.requestsPerSec,
        unit: "req/s",
        // A p99 rests on the answers wrk timed; a request rate on every completed request.
        basis: kind === "p99"
          ? { kind, count: latencySamples(result), of: "timed answers" }
          : { kind, count: result.requests, of: "requests" },
        baseline: baseline.wrk.requestsPerSec,
        baselineWhat: "Hono constant JSON",
        target: targetText(load.target),
        targetMet: meetsTarget(result, load.target),
        note: `${latencyNote(result)}, errors ${result.errors}, ${result.requests} requests in ` +
          `wrk ${result.seconds} s, load average ${loadAverage()} ` +
          `(constant body: ${latencyNote(baseline.wrk)})`,
      });
    }
  } finally {
    context.peaks.set("API", await api.stop());
  }
  return rows;
}
