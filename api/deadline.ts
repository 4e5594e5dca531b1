/** A bound on how long any request may take before it answers. */
import type { MiddlewareHandler } from "hono";
import { UnavailableError } from "./problem.ts";
import { withTimeout } from "../lib/timeout.ts";

/**
 * Middleware: a request whose handler has not answered within `ms` gets a 503 problem with
 * Retry-After instead of a hang (a pool waiting for a connection, a server that stopped
 * answering). The handler's late result is dropped. A stream counts as answered once it starts.
 */
export function deadline(ms: number): MiddlewareHandler {
  return async (_c, next) => {
    await withTimeout(next(), ms, () =>
      new UnavailableError(
        `No answer within ${ms} ms: a dependency is slow or unreachable, or the API is overloaded`,
      ));
  };
}
