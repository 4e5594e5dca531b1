/**
 * Rows 6a–6c: replay jobs run by a worker process (`deno task replay --worker`) beside the API.
 * 6a: the API's date-range p99 at concurrency 8 while the worker runs a full rebuild, beside the
 * idle p99 of the same run; 6b: a full rebuild's events/s through the queue, beside the CLI's
 * (`deno task replay`, in its own process); 6c: the worker's peak RSS over both rebuilds.
 */
import postgres from "postgres";
import { freePort, waitUntil } from "../dev/ports.ts";
import { loads } from "./api.ts";
import type { BenchContext } from "./context.ts";
import { startService } from "./services.ts";
import { type BenchRow, formatNumber } from "./table.ts";
import { latencySamples, runWrk, type WrkResult } from "./wrk.ts";

const ROOT = new URL("../", import.meta.url);
const KEY = "bench-admin-key-0001";

interface Job {
  id: string;
  state: string;
  phase: string | null;
  eventsRead: number;
  eventsPerSec: number;
  error: string | null;
}

/** A full rebuild by the CLI in its own process: its events/s and how long it took. */
async function cliRebuild(env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "replay", "--projection", "all", "--yes"],
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: "warn" },
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`the replay CLI failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  const figure = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    eventsPerSec: figure(/^events\/s\s+(\d+)/m),
    eventsRead: figure(/^events read\s+(\d+)/m),
    ms: figure(/^time taken .*\((\d+) ms\)/m),
  };
}

/** Runs the worker's full rebuild while `during` runs, and waits for the job to end. */
async function queuedRebuild(base: string, during?: () => Promise<WrkResult>) {
  const auth = { authorization: `Bearer ${KEY}` };
  const posted = await fetch(`${base}/admin/replay`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ projection: "all" }),
  });
  if (posted.status !== 202) throw new Error(`POST /admin/replay: ${await posted.text()}`);
  const location = posted.headers.get("location")!;
  await posted.body?.cancel();
  const read = async (): Promise<Job> => {
    const response = await fetch(base + location, { headers: auth });
    return await response.json();
  };
  await waitUntil("the rebuild to start reading", async () => {
    const job = await read();
    return job.eventsRead > 0 || !["queued", "running"].includes(job.state);
  }, 120_000);
  const load = await during?.();
  const stillRunning = (await read()).state === "running";
  let job = await read();
  await waitUntil("the rebuild to end", async () => {
    job = await read();
    return !["queued", "running"].includes(job.state);
  }, 1_800_000);
  if (job.state !== "succeeded") {
    throw new Error(`the queued rebuild ended ${job.state}: ${job.error}`);
  }
  return { job, load, stillRunning };
}

/** Rows 6a–6c; runs with the projector of the earlier steps still live. */
export async function replayJobRows(context: BenchContext): Promise<BenchRow[]> {
  const { stack, sizes } = context;
  const env = { NATS_URL: stack.natsUrl, DATABASE_URL: stack.databaseUrl };
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  const range = await loads(sql).finally(() => sql.end());
  console.error("bench: replay jobs, a full rebuild by the CLI…");
  const cli = await cliRebuild(env);
  const port = freePort();
  const api = await startService("api", { ...env, PORT: String(port), API_KEYS: `${KEY}:admin` });
  const worker = await startService("replay-worker", env);
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${KEY}` };
  let stopped = false;
  try {
    await waitUntil("the API", async () => {
      const response = await fetch(`${base}/admin/replay`, { headers: auth }).catch(() => null);
      await response?.body?.cancel();
      return response?.ok ?? false;
    }, 60_000);
    console.error("bench: replay jobs, a full rebuild through the queue…");
    const alone = await queuedRebuild(base);
    const load = Deno.loadavg();
    const url = base + range[1]!.path;
    console.error("bench: replay jobs, date-range p99 idle…");
    const idle = await runWrk(url, { connections: 8, seconds: sizes.wrkSeconds, headers: auth });
    console.error("bench: replay jobs, date-range p99 during a full rebuild…");
    // The load must end before the rebuild does; the CLI's time says how long one takes.
    const seconds = Math.max(2, Math.min(sizes.wrkSeconds, Math.floor(cli.ms / 1000 / 2)));
    const loaded = await queuedRebuild(
      base,
      () => runWrk(url, { connections: 8, seconds, headers: auth }),
    );
    const busy = loaded.load!;
    const workerRss = await worker.stop();
    stopped = true;
    const n = alone.job.eventsRead.toLocaleString("en-US");
    return [
      {
        id: "6a",
        what: `Replay jobs: API date-range p99 at concurrency 8 during a full rebuild by a worker`,
        value: busy.p99Ms,
        unit: "ms",
        basis: { kind: "p99", count: latencySamples(busy), of: "requests" },
        baseline: idle.p99Ms,
        baselineWhat: "idle p99, same run",
        target: "≤ 2× idle p99, the rebuild running throughout",
        targetMet: busy.p99Ms <= 2 * idle.p99Ms && loaded.stillRunning && busy.errors === 0,
        note:
          `${seconds} s of load${
            loaded.stillRunning ? "" : ", but the rebuild ended before the load did"
          }; p50 ${formatNumber(busy.p50Ms)} ms (idle ${formatNumber(idle.p50Ms)} ms), ` +
          `${formatNumber(busy.requestsPerSec)} req/s (idle ${
            formatNumber(idle.requestsPerSec)
          }), errors ${busy.errors}; the rebuild under load ran at ${
            formatNumber(loaded.job.eventsPerSec)
          } events/s`,
      },
      {
        id: "6b",
        what: `Replay jobs: full rebuild of all read models through the queue (${n} events)`,
        value: alone.job.eventsPerSec,
        unit: "events/s",
        basis: { kind: "event rate", count: alone.job.eventsRead, of: "events" },
        baseline: cli.eventsPerSec,
        baselineWhat: "the CLI, in its own process",
        target: "— (side by side)",
        note: "the worker runs at nice 10 (REPLAY_NICE) and yields the CPU to other work, the " +
          `CLI at normal priority; load average ${
            load.map((n) => n.toFixed(1)).join(" ")
          } when the rebuild through the queue ended`,
      },
      {
        id: "6c",
        what: "Peak RSS: replay worker over two full rebuilds",
        value: workerRss.bytes / 1024 / 1024,
        unit: "MB",
        basis: { kind: "peak memory", count: workerRss.readings, of: "readings" },
        target: "< 250 MB",
        targetMet: workerRss.bytes / 1024 / 1024 < 250,
      },
    ];
  } finally {
    if (!stopped) await worker.stop();
    await api.stop();
  }
}
