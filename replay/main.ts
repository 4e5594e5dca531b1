/**
 * `deno task replay`: rebuilds one read model or all of them from the `SIGNALS` log, blue/green,
 * from the start or from a point (`--from-seq`, `--from-time`). It asks before it starts on a
 * terminal (unless `--yes`), shows a progress bar there and a line every few seconds elsewhere,
 * and prints a summary. Ctrl-C stops it and leaves the live views as they were; exit codes: 0
 * done, 1 failed, 2 bad flag or variable, 3 another rebuild of the projection runs, 130 stopped.
 * @module
 */
import postgres from "postgres";
import { connectNats, createLogger, runService } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { loadReplayConfig, parseFlags, USAGE } from "./config.ts";
import { rebuild, ReplayConflictError } from "./rebuild.ts";
import { progressPrinter, renderSummary } from "./_console.ts";

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const config = loadReplayConfig();
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
  try {
    await migrate(sql);
    const summary = await rebuild({ sql, nats, signingKey: config.signingKey, logger }, {
      projection: flags.projection,
      fromSeq: flags["from-seq"],
      fromTime: flags["from-time"],
    }, {
      batchSize: config.batchSize,
      workers: config.workers,
      signal: stop.signal,
      onProgress: printer.update,
    });
    printer.finish();
    console.log(renderSummary(summary));
  } catch (error) {
    printer.finish();
    if (stop.signal.aborted) {
      console.error("Stopped: the live views are unchanged; run the command again to rebuild.");
      Deno.exitCode = 130;
    } else if (error instanceof ReplayConflictError) {
      console.error(`Not started: ${error.message}.`);
      Deno.exitCode = 3;
    } else {
      console.error(`Rebuild failed, the live views are unchanged: ${(error as Error).message}`);
      Deno.exitCode = 1;
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await nats.close();
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) await runService(main);
