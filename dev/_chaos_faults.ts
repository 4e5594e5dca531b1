/** The faults `deno task chaos` injects, each waiting on conditions with deadlines. */
import { jetstreamManager } from "@nats-io/jetstream";
import { sleep } from "../lib/mod.ts";
import { STREAM_NAME } from "../events/mod.ts";
import { waitUntil } from "./ports.ts";
import type { ChaosStack } from "./_chaos_stack.ts";
import type { RssWatch } from "./_chaos_watch.ts";

/** The stream's last sequence (0 when empty or not yet created). */
export async function streamLastSeq(chaos: ChaosStack): Promise<number> {
  const jsm = await jetstreamManager(chaos.nc);
  const info = await jsm.streams.info(STREAM_NAME).catch(() => undefined);
  return info?.state.last_seq ?? 0;
}

/** SIGKILLs the projector and starts it again at once. */
export async function killProjector(chaos: ChaosStack, rss: RssWatch): Promise<string> {
  const old = chaos.running.get("projector");
  if (!old) throw new Error("The projector is not running");
  await rss.sample();
  old.child.kill("SIGKILL");
  const status = await old.status;
  chaos.start("projector");
  return `exit signal ${status.signal ?? status.code}`;
}

/** SIGKILLs nats-server and starts it on the same port and data. */
export async function killNats(chaos: ChaosStack, rss: RssWatch): Promise<string> {
  await rss.sample();
  await chaos.stack.restartNats({ kill: true });
  return "restarted";
}

/** Stops PostgreSQL for `seconds`, then starts it again. */
export async function stopPostgres(
  chaos: ChaosStack,
  rss: RssWatch,
  seconds: number,
): Promise<string> {
  await rss.sample();
  await chaos.stack.withPostgresDown(() => sleep(seconds * 1000));
  return `down ${seconds} s`;
}

async function jobState(chaos: ChaosStack): Promise<string | undefined> {
  const [row] = await chaos.sql<{ state: string }[]>`
    SELECT state FROM replay_jobs ORDER BY seq DESC LIMIT 1`;
  return row?.state;
}

const REBUILD_ARGS = ["--projection", "all", "--yes"];

/**
 * Starts a full rebuild (`deno task replay --projection all --yes`) and SIGKILLs it once its job
 * runs; tries up to three times should one finish before it could be killed (a tiny stream).
 */
export async function killRebuild(chaos: ChaosStack, rss: RssWatch): Promise<string> {
  const finished: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const run = chaos.start("replay", REBUILD_ARGS);
    await waitUntil(
      "the rebuild's job to run",
      async () => run.exitCode() !== undefined || (await jobState(chaos)) === "running",
      90_000,
    );
    if (run.exitCode() !== undefined) {
      finished.push(run.exitCode()!);
      continue;
    }
    await rss.sample();
    run.child.kill("SIGKILL");
    const status = await run.status;
    return `SIGKILLed while running (${status.signal}, attempt ${attempt})`;
  }
  return `every rebuild ended (exits ${finished.join(", ")}) before it could be killed`;
}

/**
 * Runs full rebuilds until one completes. Exit 3 means the killed rebuild's job still holds the
 * projections (it is failed at the next look at the queue), so it is tried again.
 */
export async function completeRebuild(
  chaos: ChaosStack,
  options: { deadlineMs: number },
): Promise<string> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const run = chaos.start("replay", REBUILD_ARGS);
    const code = await run.exited;
    if (code === 0) return `completed (attempt ${attempt}, exit 0)`;
    if (code !== 3) {
      throw new Error(`The rebuild failed with exit ${code}: ${run.output().slice(-2000)}`);
    }
    await sleep(1000);
  }
  throw new Error(`No rebuild completed within ${options.deadlineMs} ms`);
}
