/**
 * Benchmark of the API's date-range queries: seeds a database with over a million read-model rows
 * using generate_series, starts `api/main.ts` as its own process on loopback, loads it with wrk
 * (random one-hour windows) and prints p50/p99 latency per query, plus a full CSV export's rate and
 * the server's peak RSS. Run: `deno run -P=bench api/query_bench.ts [--rows N] [--seconds S]`.
 * @module
 */
import { startTestStack } from "../dev/stack.ts";
import { migrate } from "../projector/migrate.ts";
import { createSql } from "./db.ts";
import { rssOf, sampleRss, seedLoad, waitHealthy, windowScript, wrk } from "./_bench_load.ts";

/** One measured query. */
export interface QueryFigure {
  what: string;
  connections: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSec: number;
  errors: number;
}

/** What {@linkcode runQueryBench} measured. */
export interface QueryBenchResult {
  seeded: Record<string, number>;
  queries: QueryFigure[];
  csv: {
    rows: number;
    bytes: number;
    seconds: number;
    rssBeforeBytes: number;
    rssPeakBytes: number;
  };
}

/** Options of {@linkcode runQueryBench}. */
export interface QueryBenchOptions {
  /** State changes to seed (errors are a fifth of it). @default 1_000_000 */
  rows?: number;
  /** Seconds of wrk per query and connection count. @default 10 */
  seconds?: number;
  /** Called with each line of progress. @default console.log */
  report?: (line: string) => void;
}

/** Seeds a fresh stack, serves `api/main.ts` on loopback and measures it with wrk. */
export async function runQueryBench(options: QueryBenchOptions = {}): Promise<QueryBenchResult> {
  const { rows = 1_000_000, seconds = 10, report = console.log } = options;
  const queries: QueryFigure[] = [];
  const stack = await startTestStack();
  const sql = createSql(stack.databaseUrl, { timeoutMs: 600_000 });
  let api: Deno.ChildProcess | undefined;
  try {
    await migrate(sql);
    const started = performance.now();
    const counts = await seedLoad(sql, rows);
    report(
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
    for (const [what, path, script] of cases) {
      for (const connections of [1, 16]) {
        const r = await wrk(`${base}${path}`, { script, seconds, connections });
        queries.push({ what, connections, ...r });
        report(`${what}, ${connections} connection(s): p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
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
    return {
      seeded: counts,
      queries,
      csv: { rows: lines - 1, bytes, seconds: secs, rssBeforeBytes: before, rssPeakBytes: peak },
    };
  } finally {
    if (api) {
      api.kill("SIGTERM");
      await api.status;
    }
    await sql.end();
    await stack.stop();
  }
}

function table(result: QueryBenchResult): string {
  const lines = [
    "| query | connections | p50 ms | p99 ms | req/s | errors |",
    "| --- | --- | --- | --- | --- | --- |",
    ...result.queries.map((q) =>
      `| ${q.what} | ${q.connections} | ${q.p50Ms.toFixed(2)} | ${q.p99Ms.toFixed(2)} | ${
        q.requestsPerSec.toFixed(0)
      } | ${q.errors} |`
    ),
  ];
  const c = result.csv;
  lines.push(
    "",
    `CSV export of every state change: ${c.rows} rows, ${(c.bytes / 1e6).toFixed(0)} MB in ` +
      `${c.seconds.toFixed(1)} s (${Math.round(c.rows / c.seconds)} rows/s); API RSS ` +
      `${(c.rssBeforeBytes / 1e6).toFixed(0)} MB before, peak ${
        (c.rssPeakBytes / 1e6).toFixed(0)
      } MB during`,
  );
  return lines.join("\n");
}

if (import.meta.main) {
  const arg = (name: string, fallback: number) => {
    const at = Deno.args.indexOf(name);
    return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
  };
  const result = await runQueryBench({
    rows: arg("--rows", 1_000_000),
    seconds: arg("--seconds", 10),
  });
  console.log(table(result));
}
