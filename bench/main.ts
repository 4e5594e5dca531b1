/**
 * `deno task bench [--quick] [--out <file>]`: measures the pipeline against raw JetStream,
 * PostgreSQL and Hono baselines taken in the same run, on a stack of its own started through
 * `dev/`. Prints a markdown table in which a row resting on too few measurements is "not met" with
 * the reason, and the measured run time. A full run writes `bench/results/latest.json` (tracked);
 * a quick one writes `bench/results/quick.json` (git-ignored). To add a benchmark, append a
 * {@linkcode RowProducer} to `PRODUCERS`.
 * @module
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { startTestStack } from "../dev/stack.ts";
import { migrate } from "../projector/migrate.ts";
import { apiRows } from "./api.ts";
import type { BenchContext, BenchSizes, RowProducer } from "./context.ts";
import { liveRows } from "./live.ts";
import { machineInfo } from "./machine_info.ts";
import { memoryRows } from "./memory.ts";
import { publishRows } from "./publish.ts";
import { replayJobRows } from "./replay_jobs.ts";
import { benchReplay } from "./replay.ts";
import { scaleOutRows } from "./scale_out.ts";
import { scaleWorkerRows } from "./scale_workers.ts";
import { type BenchRow, judgeRows, markdownTable } from "./table.ts";
import { timeTravelRows } from "./time_travel.ts";
import { topUp } from "./top_up.ts";

/** The steps of a run, in order; each returns its rows. Later steps may use earlier ones' state. */
const PRODUCERS: RowProducer[] = [
  { name: "publish", run: publishRows },
  { name: "live", run: liveRows },
  { name: "log top-up", run: topUp },
  { name: "replay", run: (context) => benchReplay(context.stack) },
  { name: "api", run: apiRows },
  { name: "replay jobs", run: replayJobRows },
  { name: "scale-out", run: scaleOutRows },
  { name: "scale-out workers", run: scaleWorkerRows },
  { name: "time travel", run: timeTravelRows },
  // Last: stops the projector started by "live" and reports every service's peak memory.
  { name: "memory", run: memoryRows },
];

const QUICK: BenchSizes = {
  publishEvents: 100_000,
  logEvents: 300_000,
  liveSeconds: 10,
  fleets: [100, 1000],
  memoryFleet: 1000,
  wrkSeconds: 3,
  wrkMinRequests: 0,
  wrkMaxSeconds: 40,
  historyHours: 6,
};

const FULL: BenchSizes = {
  publishEvents: 300_000,
  logEvents: 1_000_000,
  liveSeconds: 30,
  fleets: [100, 500, 1000, 1500],
  memoryFleet: 1000,
  wrkSeconds: 10,
  // Every API load gets enough requests for its p99 to be printed, the CSV export included.
  wrkMinRequests: 200,
  wrkMaxSeconds: 90,
  historyHours: 24,
};

const USAGE = `Usage: deno task bench [--quick] [--out <file>] [--only <steps>] [--api <pattern>]
  --quick          smaller sizes (same minimum samples per row); writes bench/results/quick.json
  --out <file>     write the results there instead
  --only <steps>   only these steps, comma-separated (e.g. api); the log top-up always runs
  --api <pattern>  only the API loads whose name matches this regular expression`;

/** The steps `--only` keeps: those named, and the top-up every later step's data comes from. */
export function selectSteps(producers: RowProducer[], only: string | undefined): RowProducer[] {
  if (only === undefined) return producers;
  const names = new Set(only.split(",").map((name) => name.trim()));
  const unknown = [...names].filter((name) => !producers.some((p) => p.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `--only: unknown step ${unknown.join(", ")}; steps: ${
        producers.map((p) => p.name).join(", ")
      }`,
    );
  }
  return producers.filter((p) => names.has(p.name) || p.name === "log top-up");
}

function options() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      only: { type: "string" },
      api: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  // A partial run never replaces the tracked results of a full one.
  const partial = values.only !== undefined || values.api !== undefined;
  const out = values.out ? new URL(values.out, `file://${Deno.cwd()}/`) : new URL(
    quick || partial ? "./results/quick.json" : "./results/latest.json",
    import.meta.url,
  );
  const steps = selectSteps(PRODUCERS, values.only);
  const apiFilter = values.api === undefined ? undefined : new RegExp(values.api);
  return { quick, out, help: values.help, steps, apiFilter };
}

/** Runs every step; a step that throws is reported and the run goes on, ending non-zero. */
async function runSteps(context: BenchContext, steps: RowProducer[]) {
  const rows: BenchRow[] = [];
  const failures: { step: string; error: string }[] = [];
  for (const producer of steps) {
    console.error(`bench: ${producer.name}…`);
    try {
      rows.push(...await producer.run(context));
    } catch (error) {
      console.error(`bench: step "${producer.name}" failed:`, error);
      failures.push({ step: producer.name, error: String(error) });
    }
  }
  return { rows, failures };
}

async function main(): Promise<number> {
  let settings;
  try {
    settings = options();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    return 2;
  }
  if (settings.help) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  // The figures mean little on a machine busy with other work: the load goes beside them.
  const loadBefore = Deno.loadavg()[0] ?? 0;
  const stack = await startTestStack();
  const context: BenchContext = {
    stack,
    sizes: settings.quick ? QUICK : FULL,
    baselines: {},
    services: new Map(),
    peaks: new Map(),
    apiFilter: settings.apiFilter,
  };
  let outcome;
  try {
    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    await migrate(sql);
    await sql.end();
    outcome = await runSteps(context, settings.steps);
  } finally {
    for (const service of context.services.values()) await service.stop();
    await stack.stop();
  }
  const rows = judgeRows(outcome.rows);
  console.log(markdownTable(rows));
  const seconds = Math.round((performance.now() - started) / 1000);
  const results = {
    at: new Date().toISOString(),
    mode: settings.quick ? "quick" : "full",
    seconds,
    loadAverage: { before: loadBefore, after: Deno.loadavg()[0] ?? 0 },
    machine: await machineInfo(),
    failures: outcome.failures,
    rows,
  };
  await Deno.mkdir(new URL("./", settings.out), { recursive: true });
  await Deno.writeTextFile(settings.out, JSON.stringify(results, null, 2) + "\n");
  const count = (met: boolean | undefined) => rows.filter((row) => row.met === met).length;
  console.log(
    `\n${results.mode} run: ${seconds} s measured wall time (load average ${
      loadBefore.toFixed(1)
    } before, ${results.loadAverage.after.toFixed(1)} after); ${count(true)} rows met, ` +
      `${count(false)} not met, ${count(undefined)} without a target` +
      (outcome.failures.length > 0
        ? `; failed steps: ${outcome.failures.map((f) => f.step).join(", ")}`
        : ""),
  );
  console.error(`bench: figures in ${settings.out.pathname}`);
  return outcome.failures.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
