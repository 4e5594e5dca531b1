/**
 * The one test kit: fresh, migrated and seeded stacks on real NATS and PostgreSQL
 * ({@linkcode startTestEnv}, {@linkcode startSeededEnv}), publishing events and poison to
 * JetStream ({@linkcode publishEvents}), reading the stream back ({@linkcode readStream}),
 * workloads from the producer's simulation ({@linkcode workload}, {@linkcode fleetEvents}), a
 * silent and a memory logger, and services run as child processes ({@linkcode spawnService}).
 * Test code only: nothing outside `*_test.ts` and test helpers imports it.
 * @module
 */
export * from "./dev_run.ts";
export * from "./env.ts";
export * from "./events.ts";
export * from "./logger.ts";
export * from "./process.ts";
export * from "./publish.ts";
export * from "./stream.ts";
export * from "./workload.ts";
export { waitUntil } from "../dev/ports.ts";
