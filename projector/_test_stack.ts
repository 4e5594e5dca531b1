/**
 * Helpers of the projector's integration tests beyond `testing/`: waiting for checkpoints, and a
 * projector configuration for a test stack.
 */
import type { Sql } from "postgres";
import { lowestCheckpoint as lowestCheckpointOf } from "./store/checkpoints.ts";
import { PROJECTIONS } from "./registry.ts";
import { sleep } from "../lib/mod.ts";
import type { ProjectorConfig } from "./config.ts";

/** The lowest checkpoint of all registered projections (0 before any batch). */
export function lowestCheckpoint(sql: Sql): Promise<number> {
  return lowestCheckpointOf(sql, PROJECTIONS);
}

/** Waits until every projection has reached `seq`; throws after `timeoutMs`. */
export async function waitForCheckpoint(sql: Sql, seq: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let reached = 0;
    try {
      reached = await lowestCheckpoint(sql);
    } catch {
      // PostgreSQL may be down on purpose.
    }
    if (reached >= seq) return;
    if (Date.now() > deadline) throw new Error(`Checkpoint stuck at ${reached}, expected ${seq}`);
    await sleep(50);
  }
}

/** A projector configuration for a test stack. */
export function testConfig(
  stack: { natsUrl: string; databaseUrl: string },
  overrides: Partial<ProjectorConfig> = {},
): ProjectorConfig {
  return {
    natsUrl: stack.natsUrl,
    databaseUrl: stack.databaseUrl,
    batchSize: 1000,
    lingerMs: 10,
    consumerName: "projector",
    statusIntervalMs: 200,
    logLevel: "warn",
    ...overrides,
  };
}
