/**
 * A guard against stray socket faults of postgres.js under Deno's node compatibility layer. When
 * the server goes away, postgres.js may throw from a timer callback (`nextWrite`), and a refused
 * reconnect may surface as an unhandled rejection from `node:net` itself, outside any query. The
 * query concerned fails on its own and is retried by the batch loop, so these are safe to
 * swallow; every other uncaught error still ends the process.
 */
import type { Logger } from "../lib/mod.ts";

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);

function isPostgresSocketFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const stack = error.stack ?? "";
  if (/postgres[@/][^\n]*connection\.js/.test(stack) && /nextWrite|write/.test(stack)) return true;
  const code = (error as { code?: unknown }).code;
  // A reset may also surface from the stream layer under `net` (`onStreamRead`).
  return typeof code === "string" && SOCKET_CODES.has(code) &&
    /ext:deno_node\/(net|internal\/stream_base_commons)/.test(stack);
}

let installed = 0;
let onError: ((event: ErrorEvent) => void) | undefined;
let onRejection: ((event: PromiseRejectionEvent) => void) | undefined;

/** Swallows postgres.js socket faults while the returned function has not been called. */
export function guardPostgresSocketFaults(logger: Logger): () => void {
  if (installed++ === 0) {
    onError = (event) => {
      if (!isPostgresSocketFault(event.error)) return;
      event.preventDefault();
      logger.debug("ignored a postgres socket fault", { error: event.error });
    };
    onRejection = (event) => {
      if (!isPostgresSocketFault(event.reason)) return;
      event.preventDefault();
      logger.debug("ignored a postgres socket fault", { error: event.reason });
    };
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onRejection);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--installed > 0) return;
    globalThis.removeEventListener("error", onError!);
    globalThis.removeEventListener("unhandledrejection", onRejection!);
  };
}
