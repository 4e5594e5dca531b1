/**
 * The projector service: reads `SIGNALS` with a durable consumer and keeps every read model in
 * PostgreSQL up to date, one transaction per batch. `deno task projector`; configured by
 * NATS_URL, DATABASE_URL, SIGNING_KEY and PROJECTOR_* (see config.ts). SIGINT or SIGTERM ends it
 * after the batch in hand, with exit code 0.
 * @module
 */
import { createLogger, runService } from "../lib/mod.ts";
import { loadProjectorConfig } from "./config.ts";
import { runProjector } from "./runner.ts";
import { guardPostgresSocketFaults } from "./_guard.ts";

await runService(async () => {
  const config = loadProjectorConfig();
  const logger = createLogger("projector", config.logLevel);
  // Held for the life of the process: a fault of a socket that the shutdown's pool.end() closes
  // can surface a tick after runProjector has returned, and must not turn a clean stop into exit 1.
  guardPostgresSocketFaults(logger);
  const stop = new AbortController();
  const onSignal = () => {
    logger.info("stopping");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  logger.info("starting", { batchSize: config.batchSize, signed: Boolean(config.signingKey) });
  await runProjector(config, stop.signal, { logger });
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
});
