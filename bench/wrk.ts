/** Runs `wrk` in its own process against a loopback URL and parses its figures. */

/** What one wrk run measured. */
export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors. */
  errors: number;
  /**
   * Socket timeouts, counted among `errors`: wrk records no latency for an answer slower than its
   * timeout, so the percentiles rest on at most `requests - timeouts` answers.
   */
  timeouts: number;
}

/** What one wrk run measured, and how long it ran. */
export interface WrkRun extends WrkResult {
  seconds: number;
}

/** wrk's timeout: an answer slower than this counts as an error and gets no latency. */
export const WRK_TIMEOUT_SECONDS = 30;

/** Options of {@linkcode runWrk}. */
export interface WrkOptions {
  /** Open connections. @default 32 */
  connections?: number;
  /** Seconds to run. @default 10 */
  seconds?: number;
  /** Extra request headers. @default {} */
  headers?: Record<string, string>;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

/** Parses wrk's `--latency` report. */
export function parseWrk(output: string): WrkResult {
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    if (!match) throw new Error(`wrk output has no ${p}% latency:\n${output}`);
    return toMs(match[1]!, match[2]!);
  };
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: percentile("50"),
    p99Ms: percentile("99"),
    requests: number(/(\d+) requests in/),
    errors: number(/Non-2xx or 3xx responses: (\d+)/) + socketErrors,
    timeouts: Number(socket?.[4] ?? 0),
  };
}

/** How many answers the latency percentiles of a run rest on, at least. */
export function latencySamples(result: WrkResult): number {
  return Math.max(0, result.requests - result.timeouts);
}

/** Loads `url` with wrk (2 threads) and returns its figures. */
export async function runWrk(url: string, options: WrkOptions = {}): Promise<WrkResult> {
  const { connections = 32, seconds = 10, headers = {} } = options;
  // A 10,000-row CSV export under 32 concurrent clients takes seconds; a short timeout would count
  // slow answers as errors and drop them from the latency figures.
  const args = [
    "-t2",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    "--timeout",
    `${WRK_TIMEOUT_SECONDS}s`,
  ];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const output = await new Deno.Command("wrk", { args: [...args, url], stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}`);
  return parseWrk(text);
}

/**
 * How long to run wrk next, after a run of `last.seconds` completed `last.requests`, so that the
 * next completes at least `minRequests`; undefined when the last run had enough, or already ran
 * `maxSeconds`. A run that completed nothing says only that requests take longer than it ran.
 */
export function nextWrkSeconds(
  last: { seconds: number; requests: number },
  minRequests: number,
  maxSeconds: number,
): number | undefined {
  if (last.requests >= minRequests || last.seconds >= maxSeconds) return undefined;
  const estimate = last.requests === 0
    ? last.seconds * 4
    : Math.ceil((last.seconds * minRequests / last.requests) * 1.25);
  return Math.min(maxSeconds, Math.max(estimate, Math.ceil(last.seconds * 1.5)));
}

/** Options of {@linkcode runWrkAtLeast}. */
export interface WrkAtLeastOptions extends WrkOptions {
  /** Completed requests the figures need. */
  minRequests: number;
  /** Longest run to try before giving up with fewer requests. */
  maxSeconds: number;
}

/**
 * Runs wrk for `seconds`, then again for longer while it completed fewer than `minRequests`, up to
 * `maxSeconds`; returns the last (longest) run, which the caller judges by its request count.
 */
export async function runWrkAtLeast(url: string, options: WrkAtLeastOptions): Promise<WrkRun> {
  const { minRequests, maxSeconds, seconds: first = 10, ...rest } = options;
  let seconds: number | undefined = first;
  let run: WrkRun | undefined;
  while (seconds !== undefined) {
    run = { ...await runWrk(url, { ...rest, seconds }), seconds };
    seconds = nextWrkSeconds(run, minRequests, maxSeconds);
    if (seconds !== undefined) {
      console.error(
        `bench: ${run.requests} requests in ${run.seconds} s, fewer than ${minRequests}; running ${seconds} s…`,
      );
    }
  }
  return run!;
}
