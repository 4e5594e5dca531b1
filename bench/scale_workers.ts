/**
 * Projector workers sharing the read models: catch-up of the same log with 1, 2 and 3 workers
 * (each on a fresh copy of the empty schema) with the heavy read models split into partitions,
 * and with 3 workers on whole read models as before partitions; the CPU they spend per event, how
 * many workers wrote the split read models, and how long a SIGKILLed worker's units stay unowned.
 */
import postgres, { type Sql } from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { waitUntil } from "../dev/ports.ts";
import { startTestStack } from "../dev/stack.ts";
import { ensureStream, STREAM_NAME } from "../events/mod.ts";
import { connectNats, createLogger } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { REGISTRY } from "../projector/registry.ts";
import { DEFAULT_PARTITIONS, projectionOfUnit } from "../projector/partitions.ts";
import { lowestCheckpoint } from "../projector/store/checkpoints.ts";
import { runProducer } from "../producer/mod.ts";
import { type SpawnedService, spawnService } from "../testing/mod.ts";
import type { BenchContext } from "./context.ts";
import type { BenchRow } from "./table.ts";
import { readProcFile } from "./rss.ts";

const FROM_MS = Date.UTC(2026, 10, 20);
const quiet = createLogger("bench", "error");
const CLK_TCK = 100;
const PARTITIONS = DEFAULT_PARTITIONS;

/** CPU seconds (user + system) a running process has used, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readProcFile(pid, "stat");
  // Never a silent 0: a row would print "0 µs CPU per event" for a figure never measured.
  if (stat === undefined) throw new Error(`cannot read /proc/${pid}/stat: the worker exited`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function worker(env: Record<string, string>, name: string): SpawnedService {
  return spawnService("projector/main.ts", {
    permissions: "projector",
    env: { ...env, PROJECTOR_CONSUMER: name, LOG_LEVEL: "error" },
  });
}

/**
 * One catch-up: its time, its workers' CPU, and per split read model how many workers held its
 * units at the end and how many committed to it during the catch-up (a handover counts both).
 */
interface CatchUp {
  seconds: number;
  cpu: number;
  split: Map<string, { holders: number; writers: number }>;
}

/** Catches `last` events up with `count` workers on database `url`, `partitions` per split model. */
async function catchUp(
  natsUrl: string,
  url: string,
  o: { count: number; last: number; partitions: number },
): Promise<CatchUp> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const env = {
    NATS_URL: natsUrl,
    DATABASE_URL: url,
    PROJECTOR_PARTITIONS: String(o.partitions),
  };
  const started = performance.now();
  const workers = Array.from({ length: o.count }, (_, i) => worker(env, `bench${o.count}w${i}`));
  try {
    const names = REGISTRY.map((d) => d.name);
    await waitUntil(
      `${o.count} workers to catch up`,
      async () => (await lowestCheckpoint(sql, names).catch(() => 0)) >= o.last,
      600_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await Promise.all(workers.map((w) => cpuSeconds(w.child.pid)))).reduce(
      (a, b) => a + b,
      0,
    );
    const wrote = await sql<{ unit: string; owner: string }[]>`
      SELECT DISTINCT unit, owner FROM projector_lease_history WHERE batches > 0`;
    const held = await sql<{ unit: string; owner: string }[]>`
      SELECT unit, owner FROM projector_leases
      WHERE owner IS NOT NULL AND expires_at > clock_timestamp()`;
    const owners = (rows: { unit: string; owner: string }[], projection: string) =>
      new Set(rows.filter((r) => projectionOfUnit(r.unit) === projection).map((r) => r.owner)).size;
    const split = new Map<string, { holders: number; writers: number }>();
    for (const d of REGISTRY.filter((d) => d.partitionable)) {
      split.set(d.name, { holders: owners(held, d.name), writers: owners(wrote, d.name) });
    }
    return { seconds, cpu, split };
  } finally {
    for (const w of workers) await w.stop("SIGTERM");
    await sql.end();
  }
}

/** From a worker's SIGKILL until each of its read models has a new holder, in ms (the slowest). */
async function takeover(sql: Sql, env: Record<string, string>, round: number): Promise<number> {
  const pair = [worker(env, `tk${round}a`), worker(env, `tk${round}b`)];
  try {
    await waitUntil("both workers holding", async () => {
      const rows = await sql<{ owner: string }[]>`
        SELECT DISTINCT split_part(owner, '-', 1) AS owner FROM projector_leases
        WHERE expires_at > clock_timestamp()`;
      return rows.length === 2;
    }, 60_000);
    const victim = `tk${round}a`;
    const held = await sql<{ unit: string; fence: string }[]>`
      SELECT unit, fence FROM projector_leases WHERE split_part(owner, '-', 1) = ${victim}`;
    const killedAt = new Date();
    await pair[0]!.stop("SIGKILL");
    let slowest = 0;
    await waitUntil("the victim's read models taken over", async () => {
      const rows = await sql<{ unit: string; acquired_at: Date }[]>`
        SELECT h.unit, h.acquired_at FROM projector_lease_history h
        JOIN unnest(${held.map((h) => h.unit)}::text[], ${held.map((h) => h.fence)}::bigint[])
          AS v(unit, fence) ON h.unit = v.unit AND h.fence = v.fence + 1`;
      if (rows.length < held.length) return false;
      slowest = Math.max(...rows.map((r) => r.acquired_at.getTime() - killedAt.getTime()));
      return true;
    }, 60_000);
    return slowest;
  } finally {
    for (const w of pair) await w.stop("SIGTERM");
  }
}

/** Catch-up with 1, 2 and 3 workers (CPU per event), and worker takeover times. */
export async function scaleWorkerRows(context: BenchContext): Promise<BenchRow[]> {
  const stack = await startTestStack();
  const admin = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const nc = await connectNats(stack.natsUrl, { name: "bench-workers" });
  try {
    await migrate(admin);
    await ensureStream(await jetstreamManager(nc));
    const events = Math.min(context.sizes.publishEvents, 100_000);
    await runProducer(stack.natsUrl, {
      machines: 100,
      sensorDataFile: null,
      fromMs: FROM_MS,
      toMs: FROM_MS + 86_400_000,
      seed: 41,
      count: events,
    }, { logger: quiet });
    const last = (await (await jetstreamManager(nc)).streams.info(STREAM_NAME)).state.last_seq;
    // One empty, migrated copy of the schema per run, so every run catches up the same log.
    await admin.end();
    const template = postgres(stack.databaseUrl.replace(/\/signals$/, "/postgres"), {
      max: 1,
      onnotice: () => {},
    });
    // 1, 2 and 3 workers with the default partitions, then 3 with every read model whole.
    const plans = [
      { count: 1, partitions: PARTITIONS },
      { count: 2, partitions: PARTITIONS },
      { count: 3, partitions: PARTITIONS },
      { count: 3, partitions: 1 },
    ];
    const urls: string[] = [];
    for (const [i] of plans.entries()) {
      await template.unsafe(`CREATE DATABASE bench_workers_${i} TEMPLATE signals`);
      urls.push(stack.databaseUrl.replace(/\/signals$/, `/bench_workers_${i}`));
    }
    await template.end();
    const runs: CatchUp[] = [];
    for (const [i, url] of urls.entries()) {
      runs.push(await catchUp(stack.natsUrl, url, { ...plans[i]!, last }));
    }
    const sql = postgres(urls[0]!, { max: 1, onnotice: () => {} });
    const env = { NATS_URL: stack.natsUrl, DATABASE_URL: urls[0]! };
    const takeovers = [];
    try {
      for (let round = 0; round < 2; round++) takeovers.push(await takeover(sql, env, round));
    } finally {
      await sql.end();
    }
    const rate = (run: { seconds: number }) => last / run.seconds;
    const rows: BenchRow[] = runs.map((run, i) => {
      const { count, partitions } = plans[i]!;
      const split = partitions > 1
        ? `${partitions} partitions per split read model`
        : "read models whole (PROJECTOR_PARTITIONS=1)";
      return {
        id: `S3${"abcd"[i]}`,
        what: `Projector catch-up, ${count} worker${count > 1 ? "s" : ""}, ${split}, ${
          last.toLocaleString("en-US")
        } events`,
        value: rate(run),
        unit: "events/s",
        basis: { kind: "event rate", count: last, of: "events" },
        baseline: i === 0 ? undefined : rate(runs[0]!),
        baselineWhat: i === 0 ? undefined : "one worker, same log, same run",
        target: "reported",
        note: `${(run.cpu / last * 1e6).toFixed(0)} µs CPU per event (all workers), ` +
          `${run.cpu.toFixed(1)} CPU s in ${
            run.seconds.toFixed(1)
          } s on ${navigator.hardwareConcurrency} cores; ` +
          [...run.split].map(([p, n]) =>
            `${p} held by ${n.holders} worker(s) at the end, written by ${n.writers}`
          ).join(", "),
      };
    });
    rows.push({
      id: "S4",
      what: "Failover: SIGKILL of a projector worker → its read models held again",
      value: Math.max(...takeovers),
      unit: "ms",
      basis: { kind: "failover", count: takeovers.length, of: "kills" },
      target: "≤ 10000 ms",
      targetMet: Math.max(...takeovers) <= 10_000,
      note: `slowest of ${
        takeovers.map(Math.round).join(", ")
      } ms; lease TTL 5 s, checked every 1 s`,
    });
    return rows;
  } finally {
    await nc.close();
    await admin.end().catch(() => {});
    await stack.stop();
  }
}
