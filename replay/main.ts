/**
 * `deno task replay`: rebuilds one read model or all of them from the `SIGNALS` log, blue/green,
 * from the start or from a point (`--from-seq`, `--from-time`), in this process. The run is
 * recorded in `replay_jobs` like a queued job, so the API lists it and refuses overlapping
 * requests. It asks before it starts on a terminal (unless `--yes`), shows a progress bar there
 * and a line every few seconds elsewhere, and prints a summary. Ctrl-C stops it and leaves the
 * live views as they were; exit codes: 0 done, 1 failed, 2 bad flag or variable, 3 another job
 * or rebuild covers the projection, 130 stopped or cancelled. `deno task replay --worker` runs
 * queued jobs instead (see `worker_main.ts`).
 * @module
 */
import postgres from "postgres";
import { connectNats, createLogger, runService } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { loadReplayConfig, parseFlags, USAGE } from "./config.ts";
import { ReplayConflictError } from "./rebuild.ts";
import { progressPrinter, renderSummary } from "./_console.ts";
import { JobConflictError } from "./queue.ts";
import { runHere } from "./worker_here.ts";
import { runWorkerCommand } from "./worker_main.ts";
import { watchServerRestart } from "./_restart_watch.ts";

/** How long a rebuild may take to notice a PostgreSQL restart before the command ends anyway. */
const RESTART_GRACE_MS = 10_000;
const RESTARTED = "PostgreSQL restarted during the rebuild";

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const config = loadReplayConfig();
  if (flags.worker) return await runWorkerCommand(config);
  const terminal = Deno.stdout.isTerminal();
  const point = flags["from-seq"] !== undefined
    ? ` from sequence ${flags["from-seq"]}`
    : flags["from-time"] !== undefined
    ? ` from ${flags["from-time"]}`
    : " from the start";
  if (terminal && Deno.stdin.isTerminal() && !flags.yes) {
    const answer = prompt(`Rebuild ${flags.projection}${point}? The live views stay up. [y/N]`);
    if (!/^y(es)?$/i.test(answer?.trim() ?? "")) {
      console.log("Nothing done.");
      return;
    }
  }
  const logger = createLogger("replay", config.logLevel);
  const sql = postgres(config.databaseUrl, {
    max: 4,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: "signals-replay" },
  });
  // Until connected, Ctrl-C simply ends the process: there is nothing to clean up yet.
  const nats = await connectNats(config.natsUrl, { name: "signals-replay", logger });
  const stop = new AbortController();
  const onSignal = () => stop.abort(new DOMException("Interrupted", "AbortError"));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const printer = progressPrinter({ terminal });
  let restarted = false;
  const failRestarted = () => {
    console.error(`Rebuild failed, the live views are unchanged: ${RESTARTED}.`);
    Deno.exit(1);
  };
  const watch = watchServerRestart(config.databaseUrl, () => {
    restarted = true;
    stop.abort(new Error(RESTARTED));
    // A query on a connection the restart dropped may never settle: end regardless.
    Deno.unrefTimer(setTimeout(failRestarted, RESTART_GRACE_MS));
  });
  try {
    await migrate(sql);
    const fromTime = flags["from-time"];
    const result = await runHere({ sql, nats, signingKey: config.signingKey, logger }, {
      projection: flags.projection,
      fromSeq: flags["from-seq"],
      fromTime: fromTime === undefined ? undefined : new Date(fromTime),
      requestedBy: `cli:${Deno.env.get("USER") ?? "unknown"}`,
    }, {
      batchSize: config.batchSize,
      projectWorkers: config.workers,
      signal: stop.signal,
      onProgress: printer.update,
    });
    printer.finish();
    if (restarted && result.state !== "succeeded") {
      failRestarted();
    } else if (result.state === "succeeded") {
      console.log(renderSummary(result.summary!));
    } else if (result.state === "cancelled") {
      console.error(
        `${stop.signal.aborted ? "Stopped" : `Cancelled (job ${result.job.id})`}: the live ` +
          "views are unchanged; run the command again to rebuild.",
      );
      Deno.exitCode = 130;
    } else if (result.error instanceof ReplayConflictError) {
      console.error(`Not started: ${result.error.message}.`);
      Deno.exitCode = 3;
    } else {
      const why = result.error instanceof Error
        ? result.error.message
        : "the job was taken back from this process";
      console.error(`Rebuild failed, the live views are unchanged: ${why}`);
      Deno.exitCode = 1;
    }
  } catch (error) {
    printer.finish();
    if (error instanceof JobConflictError) {
      console.error(`Not started: ${error.message}.`);
      Deno.exitCode = 3;
    } else {
      console.error(`Rebuild failed, the live views are unchanged: ${(error as Error).message}`);
      Deno.exitCode = 1;
    }
  } finally {
    await watch.stop();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await nats.close();
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) await runService(main);
