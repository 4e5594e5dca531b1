/**
 * The HTTP API of the signal service: `createApp(deps)` builds a Hono app over PostgreSQL read
 * models and the `SIGNALS` stream, and the types a replay engine implements to be driven by it.
 * @module
 */
export { createApp, OPEN_PATHS } from "./app.ts";
export type { ApiSettings, AppDeps } from "./deps.ts";
export { createSql } from "./db.ts";
export { parseApiKeys } from "./auth.ts";
export type { ApiKey, Role } from "./auth.ts";
export { ApiEnv, loadApiConfig } from "./config.ts";
export type { ApiConfig } from "./config.ts";
