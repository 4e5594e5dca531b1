/** A circuit breaker for PostgreSQL: while it is known down, requests answer 503 at once. */
import { UnavailableError } from "./problem.ts";

// postgres.js and socket codes, and SQLSTATE classes 08 (connection), 53 (resources) and 57P
// (shutdown, cannot connect now), that say the server is unreachable rather than the query wrong.
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "CONNECTION_DESTROYED",
]);

/** True when `error` says the database cannot be reached, as opposed to a bad or slow query. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (CONNECTION_CODES.has(code) || /^(08|53|57P)/.test(code));
}

/** Options of {@linkcode Circuit}. */
export interface CircuitOptions {
  /** How long requests are refused after a connection failure, in ms. @default 2000 */
  openMs?: number;
  /** The clock, in ms. @default performance.now */
  now?: () => number;
}

/**
 * Open after a connection failure: {@linkcode Circuit.check} throws a 503 without touching the
 * pool until `openMs` have passed; then one request tries again, and a new failure re-opens it.
 */
export class Circuit {
  #openUntil = -Infinity;
  #reason = "";
  readonly #openMs: number;
  readonly #now: () => number;

  constructor(readonly name: string, options: CircuitOptions = {}) {
    this.#openMs = options.openMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True while requests are refused. */
  get isOpen(): boolean {
    return this.#now() < this.#openUntil;
  }

  /** Throws a 503 while open. */
  check(): void {
    const left = this.#openUntil - this.#now();
    if (left <= 0) return;
    throw new UnavailableError(
      `${this.name} is unreachable (${this.#reason}); not trying again for ${Math.ceil(left)} ms`,
      undefined,
      { retryAfterSec: Math.max(1, Math.ceil(left / 1000)) },
    );
  }

  /** Records a failure; a connection failure opens the circuit. Returns whether it did. */
  fail(error: unknown): boolean {
    if (!isConnectionError(error)) return false;
    this.#reason = (error as Error).message || String((error as { code?: string }).code);
    this.#openUntil = this.#now() + this.#openMs;
    return true;
  }

  /** Closes the circuit, e.g. after a health probe reached the server. */
  close(): void {
    this.#openUntil = -Infinity;
  }
}
