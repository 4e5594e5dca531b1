/**
 * Plumbing shared by the services: env config parsed with zod (and the pattern every service's
 * `config.ts` follows), structured logs, backoff and retry, and the NATS connection.
 * @module
 */
export * from "./config.ts";
export * from "./log.ts";
export * from "./backoff.ts";
export * from "./retry.ts";
export * from "./timeout.ts";
export * from "./nats.ts";
export * from "./nats_urls.ts";
