/**
 * Plumbing shared by the services: env config parsed with zod, structured logs, backoff and the
 * NATS connection.
 * @module
 */
export * from "./config.ts";
export * from "./log.ts";
export * from "./backoff.ts";
export * from "./nats.ts";
