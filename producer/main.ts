/**
 * `deno task producer`: simulates a fleet of machines and x-ray devices and publishes their
 * signals to the JetStream stream `SIGNALS`. Live by default; `--duration`/`--count` bound a run
 * and `--from/--to` backfill a window of simulated time. Every flag is also an environment
 * variable (`--machines` ↔ `MACHINES`). SIGINT/SIGTERM flush what is in flight, then exit 0.
 * @module
 */
import { createLogger, runService } from "../lib/mod.ts";
import { loadProducerConfig, ProducerEnv } from "./config.ts";
import { flagOf } from "./_flags.ts";
import { runProducer } from "./run.ts";

const USAGE = `deno task producer [flags]     (each flag is also an environment variable)

  live (default)     runs on the wall clock until stopped
  --duration 30s     stop after 30 s of simulated time;  --count N  stop after N events
  --from T --to T    backfill that window as fast as the stream takes it (ISO 8601 or epoch ms)
  --machines N       fleet size;  --types power,error,state_change,sensor,xray

all flags: ${Object.keys(ProducerEnv.shape).map(flagOf).join(" ")}
see docs/producer.md and docs/configuration.md for what each one does.`;

async function main(): Promise<void> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const { natsUrl, logLevel, config } = loadProducerConfig();
  const logger = createLogger("producer", logLevel);
  const controller = new AbortController();
  const onSignal = () => {
    // A second signal means "now": skip the flush.
    if (controller.signal.aborted) Deno.exit(1);
    logger.info("stopping: flushing in-flight publishes");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await runProducer(natsUrl, config, { signal: controller.signal, logger });
  // Exit now: a connection attempt abandoned by a stop during start-up would keep the process up.
  Deno.exit(0);
}

if (import.meta.main) runService(main);
