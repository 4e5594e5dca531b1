/**
 * The projector's way of riding out an outage: `lib/retry` (backoff with jitter), logging only
 * when the state changes, and a stop request ending the wait with `undefined` instead of an error.
 */
import { type Logger, retry } from "../lib/mod.ts";

/** Options of {@linkcode retrying}. */
export interface RetryingOptions {
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
  options: RetryingOptions,
): Promise<T | undefined> {
  const { what, logger, signal } = options;
  if (signal?.aborted) return undefined;
  try {
    return await retry(async (failures) => {
      const back = () => failures > 0 && logger.info(`${what} is back`, { failures });
      try {
        const result = await attempt();
        back();
        return result;
      } catch (error) {
        // A fatal error is an answer (a checkpoint gap, a lost lease): the server is back.
        if (options.fatal?.(error)) back();
        throw error;
      }
    }, {
      baseMs: 100,
      maxMs: options.maxMs ?? 5000,
      signal,
      retryable: (error) => !options.fatal?.(error),
      onRetry: ({ error, failures }) => {
        if (failures === 1) logger.warn(`${what} unavailable; retrying with backoff`, { error });
      },
    });
  } catch (error) {
    if (signal?.aborted && !options.fatal?.(error)) return undefined;
    throw error;
  }
}
