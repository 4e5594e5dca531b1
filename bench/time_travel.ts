/**
 * Time travel: `GET /machines?at=` for 1,000 machines over a day of history, beside the live
 * `GET /machines` of the same fleet in the same run, through the app in process. The history is
 * generated in a database of its own on the bench's PostgreSQL (so the other steps' tables stay
 * as they are): state changes every 10 s, errors every 20 s (the simulator's mean), power
 * minutes, and a failure episode every 2 h per machine, then vacuumed and analysed. The errors
 * are also counted per minute into error_minutes, as the projector keeps it.
 */
import postgres, { type Sql } from "postgres";
import { connect } from "@nats-io/transport-node";
import { createApp } from "../api/app.ts";
import { explainMachinesAt } from "../api/machines_at.ts";
import { migrate } from "../projector/migrate.ts";
import type { BenchContext } from "./context.ts";
import type { BenchRow } from "./table.ts";
import { silentLogger } from "../testing/mod.ts";

const MACHINES = 1000;
const HISTORY_TABLES = [
  "machines",
  "state_changes",
  "errors",
  "error_minutes",
  "power_minutes",
  "failures",
];
const ROUNDS = 200;
/** Instants whose query is timed by EXPLAIN ANALYZE. */
const EXPLAINED = 30;
const DATABASE = "bench_time_travel";

/** Fills the history tables with `hours` of data for MACHINES machines ending at `end`. */
export async function generateHistory(sql: Sql, { hours, end }: { hours: number; end: Date }) {
  const start = new Date(end.getTime() - hours * 3_600_000);
  const steps: [string, () => Promise<unknown>][] = [
    [
      "truncate",
      () => sql`TRUNCATE ${sql(HISTORY_TABLES)}`,
    ],
    ["machines", () =>
      sql`
      INSERT INTO machines (machine_id, state, state_since, last_seen)
      SELECT 'm-' || lpad(i::text, 4, '0'), 'running', ${start}, ${end}
      FROM generate_series(1, ${MACHINES}) AS i`],
    ["state_changes", () =>
      sql`
      INSERT INTO state_changes (seq, event_id, machine_id, from_state, to_state, at)
      SELECT k::bigint * ${MACHINES} + i, lpad(to_hex(k::bigint * ${MACHINES} + i), 32, '0')::uuid, 'm-' || lpad(i::text, 4, '0'), NULL,
        (ARRAY['running','idle','stopped','fault'])[1 + (i + k) % 4],
        ${start}::timestamptz + make_interval(secs => k * 10 + i % 10)
      FROM generate_series(0, ${hours * 360 - 1}) AS k,
        LATERAL generate_series(1 + 0 * k, ${MACHINES}) AS i`],
    ["errors", () =>
      sql`
      INSERT INTO errors (seq, event_id, machine_id, code, severity, message, at)
      SELECT 20000000000 + k::bigint * ${MACHINES} + i,
        lpad(to_hex(20000000000 + k::bigint * ${MACHINES} + i), 32, '0')::uuid,
        'm-' || lpad(i::text, 4, '0'), 'E' || (k % 7),
        (ARRAY['info','warning','error','critical'])[1 + k % 4], 'generated',
        ${start}::timestamptz + make_interval(secs => k * 20 + i % 20)
      FROM generate_series(0, ${hours * 180 - 1}) AS k,
        LATERAL generate_series(1 + 0 * k, ${MACHINES}) AS i`],
    ["error_minutes", () =>
      sql`
      INSERT INTO error_minutes (machine_id, minute, errors, last_seq)
      SELECT machine_id, date_trunc('minute', at), count(*), max(seq) FROM errors GROUP BY 1, 2`],
    ["power_minutes", () =>
      sql`
      INSERT INTO power_minutes (machine_id, minute, samples, sum_mw, min_w, max_w, energy_uj,
        events, last_seq)
      SELECT 'm-' || lpad(i::text, 4, '0'), ${start}::timestamptz + make_interval(mins => k),
        6000, 6000000000::bigint, 900, 1100, 60000000, 600, k
      FROM generate_series(0, ${hours * 60 - 1}) AS k,
        LATERAL generate_series(1 + 0 * k, ${MACHINES}) AS i`],
    ["failures", () =>
      sql`
      INSERT INTO failures (start_seq, start_event_id, machine_id, type, started_at, ended_at,
        peak_progress)
      SELECT 40000000000 + i::bigint * 10000000 + k, gen_random_uuid(),
        'm-' || lpad(i::text, 4, '0'), 'bearing',
        ${start}::timestamptz + make_interval(mins => k * 120 + i % 60),
        ${start}::timestamptz + make_interval(mins => k * 120 + i % 60 + 30), 0.5
      FROM generate_series(1, ${MACHINES}) AS i, generate_series(0, ${
        Math.ceil(hours / 2) - 1
      }) AS k`],
    // A table at a time: vacuumed in one statement with the others, error_minutes was left with
    // no page marked all-visible, so its index-only sums read the heap (seen on PostgreSQL 15).
    ["vacuum", async () => {
      for (const table of HISTORY_TABLES) await sql`VACUUM ANALYZE ${sql(table)}`;
    }],
  ];
  for (const [name, step] of steps) {
    const started = performance.now();
    await step();
    console.error(`bench:   ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const WARM_UP = 5;

/**
 * Times `ROUNDS` requests of `path(i)` after `WARM_UP` ones (i from 0 on, warm-ups included, so
 * a path that varies with i is never asked twice); returns the sorted times (ms).
 */
async function timeRequests(
  app: ReturnType<typeof createApp>,
  path: (i: number) => string,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARM_UP + ROUNDS; i++) {
    const started = performance.now();
    const response = await app.request(path(i));
    const body = await response.json();
    const elapsed = performance.now() - started;
    if (response.status !== 200 || body.data?.length !== MACHINES) {
      throw new Error(`${path(i)} answered ${response.status} with ${body.data?.length} machines`);
    }
    if (i >= WARM_UP) times.push(elapsed);
  }
  return times.sort((a, b) => a - b);
}

/** PostgreSQL's own execution time (ms) of the fold of every machine at each of `instants`. */
async function explainTimes(sql: Sql, instants: Date[]): Promise<number[]> {
  const times: number[] = [];
  for (const at of instants) times.push(await explainMachinesAt(sql, at, { limit: MACHINES }));
  return times.sort((a, b) => a - b);
}

function loadNote(): string {
  return `load average ${Deno.loadavg().map((l) => l.toFixed(2)).join(" / ")} (1/5/15 min)`;
}

/** The time-travel rows: p50 and p99 of `/machines?at=` beside the live list's. */
export async function timeTravelRows(context: BenchContext): Promise<BenchRow[]> {
  const hours = context.sizes.historyHours;
  const admin = postgres(context.stack.databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.unsafe(`CREATE DATABASE ${DATABASE}`);
  const url = new URL(context.stack.databaseUrl);
  url.pathname = `/${DATABASE}`;
  const sql = postgres(url.href, { max: 4, onnotice: () => {} });
  const nats = await connect({ servers: context.stack.natsUrl });
  try {
    await migrate(sql);
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    console.error(`bench:   generating ${hours} h of history for ${MACHINES} machines…`);
    await generateHistory(sql, { hours, end });
    const app = createApp({ sql, nats, logger: silentLogger, settings: { apiKeys: [] } });
    const live = await timeRequests(app, () => "/machines?limit=1000");
    const liveLoad = loadNote();
    // Distinct instants spread over the whole history (7,919 s apart modulo the span: no two
    // alike), so neither an answer cache nor one hour's pages kept hot can serve a request.
    const spanMs = hours * 3_600_000;
    const instant = (i: number) => new Date(end.getTime() - ((i * 7_919_000 + 1_000) % spanMs));
    const at = await timeRequests(app, (i) => `/machines?limit=1000&at=${instant(i).getTime()}`);
    const atLoad = loadNote();
    // The query's own time, less sensitive to load than a request's: other instants again.
    const explained = await explainTimes(
      sql,
      Array.from({ length: EXPLAINED }, (_, i) => instant(WARM_UP + ROUNDS + i)),
    );
    const explainLoad = loadNote();
    const what = `API: /machines?at= for ${MACHINES} machines on ${hours} h of history`;
    const row = (id: string, kind: "p50" | "p99", p: number): BenchRow => ({
      id,
      what: `${what}, ${kind}`,
      value: percentile(at, p),
      unit: "ms",
      basis: { kind, count: at.length, of: "requests" },
      baseline: percentile(live, p),
      baselineWhat: `live /machines?limit=1000, ${kind} (${liveLoad})`,
      target: "< 50 ms",
      targetMet: percentile(at, p) < 50,
      note: `one request at a time, in process (no answer cache: no read-model version given), ` +
        `each at an instant of its own; ${atLoad}`,
    });
    return [row("7a", "p50", 0.5), row("7b", "p99", 0.99), {
      id: "7c",
      what: `PostgreSQL execution time of the fold of ${MACHINES} machines (EXPLAIN ANALYZE), p50`,
      value: percentile(explained, 0.5),
      unit: "ms",
      basis: { kind: "p50", count: explained.length, of: "instants" },
      target: "—",
      note:
        `one statement for all ${MACHINES} machines (the API splits it into concurrent runs), ` +
        `each at an instant of its own; max ${
          percentile(explained, 1).toFixed(1)
        } ms; ${explainLoad}`,
    }];
  } finally {
    await nats.close();
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.end();
  }
}
