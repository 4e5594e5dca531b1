/** Retries a transient operation with backoff and jitter, logging only when the state changes. */
import { backoffDelay, type Logger, sleep } from "../lib/mod.ts";

/** Options of {@linkcode retrying}. */
export interface RetryOptions {
  /** What is being retried, for the logs (e.g. "postgres"). */
  what: string;
  logger: Logger;
  /** Stops retrying; the result is then `undefined`. */
  signal?: AbortSignal;
  /** Longest pause between attempts in ms. @default 5000 */
  maxMs?: number;
  /** Errors that are not transient: thrown at once instead of retried. @default () => false */
  fatal?: (error: unknown) => boolean;
}

/**
 * Runs `attempt` until it succeeds or `signal` aborts. The first failure is logged as a warning
 * and the recovery once; the retries in between are silent.
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  options: RetryOptions,
): Promise<T | undefined> {
  for (let failures = 0;; failures++) {
    if (options.signal?.aborted) return undefined;
    try {
      const result = await attempt();
      if (failures > 0) options.logger.info(`${options.what} is back`, { failures });
      return result;
    } catch (error) {
      if (options.fatal?.(error)) throw error;
      if (failures === 0) {
        options.logger.warn(`${options.what} unavailable; retrying with backoff`, { error });
      }
      await sleep(
        backoffDelay(failures, { baseMs: 100, maxMs: options.maxMs ?? 5000 }),
        options.signal,
      );
    }
  }
}
