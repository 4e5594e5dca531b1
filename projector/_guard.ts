/**
 * A guard against one known postgres.js fault under Deno: when the server drops the connection
 * while a write is scheduled, postgres.js throws from a timer callback (`nextWrite`), outside any
 * query, which would end the process. The query itself fails and is retried by the batch loop, so
 * that stray error is safe to swallow; every other uncaught error still ends the process.
 */
import type { Logger } from "../lib/mod.ts";

function isPostgresSocketFault(error: unknown): boolean {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  return /postgres[@/][^\n]*connection\.js/.test(stack) && /nextWrite|write/.test(stack);
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
