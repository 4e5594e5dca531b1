/** One way to retry a transient failure: exponential backoff with jitter, abortable. */
import { backoffDelay, sleep } from "./backoff.ts";

/** What {@linkcode RetryOptions.onRetry} is told before each pause. */
export interface RetryEvent {
  /** The error of the attempt that just failed. */
  error: unknown;
  /** How many attempts have failed so far, this one included (1 after the first failure). */
  failures: number;
  /** The pause before the next attempt, in ms. */
  delayMs: number;
}

/** Options of {@linkcode retry}. */
export interface RetryOptions {
  /** Most attempts in all, the first included; the last error is thrown after them. @default Infinity */
  attempts?: number;
  /** First pause in ms; each further pause doubles, up to `maxMs`. @default 100 */
  baseMs?: number;
  /** Longest pause in ms. @default 5000 */
  maxMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
  /** Stops retrying: a pending pause ends and `signal.reason` is thrown. @default undefined */
  signal?: AbortSignal;
  /** Whether an error is worth another attempt; any other error is thrown at once. @default () => true */
  retryable?: (error: unknown) => boolean;
  /** Called before each pause, e.g. to log the first failure. @default undefined */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Runs `attempt` until it resolves, pausing with exponential backoff and jitter between failures.
 * `attempt` is given the number of failures so far (0 on the first call), so it can tell a
 * recovery. Throws the last error once `attempts` are spent or the error is not `retryable`, and
 * `signal.reason` when `signal` aborts.
 */
export async function retry<T>(
  attempt: (failures: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { attempts = Infinity, signal, retryable = () => true, onRetry } = options;
  for (let failures = 0;; failures++) {
    signal?.throwIfAborted();
    try {
      return await attempt(failures);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!retryable(error) || failures + 1 >= attempts) throw error;
      const delayMs = backoffDelay(failures, options);
      onRetry?.({ error, failures: failures + 1, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

/** Whether `error` is what {@linkcode retry} throws when its signal aborts without a reason. */
export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
